import { MAX_PART_BYTES, MAX_PARTS, MAX_SINGLE_PUT_BYTES, MIN_PART_BYTES } from "../config";
import { Errors } from "../errors";

const MIB = 1024 * 1024;

export type UploadPlan =
  | { method: "single" }
  | { method: "multipart"; partSize: number; partCount: number };

/** How the server plans uploads, and what a client asked for. */
export interface PlanOptions {
  thresholdBytes: number;
  minPartSize: number;
  /** `true` asks for parts whatever the size, `false` for one PUT; absent: by the threshold. */
  multipart?: boolean | undefined;
  /** The client's part size (it implies `multipart`); checked by {@link mustBeValidPartSize}. */
  partSize?: number | undefined;
  /** The largest part the tenant may send: its largest file (S3's bounds apply too). */
  maxPartSize?: number | undefined;
}

/**
 * How a file of `size` bytes is uploaded: one PUT below the threshold, multipart from it
 * (and always above S3's 5 GiB single-PUT limit), with parts of at least `minPartSize`,
 * whole MiB, and never more than 10,000 of them. A client may ask for multipart below the
 * threshold, for one PUT up to 5 GiB, and for its own part size.
 *
 * @example planUpload(1_000_000_000, { thresholdBytes: 100 * 2 ** 20, minPartSize: 8 * 2 ** 20 })
 * // { method: "multipart", partSize: 8388608, partCount: 120 }
 */
export function planUpload(size: number, options: PlanOptions): UploadPlan {
  const { multipart, partSize } = options;
  if (multipart === false) {
    if (partSize !== undefined) throw Errors.badRequest("partSize needs a multipart upload");
    if (size > MAX_SINGLE_PUT_BYTES) {
      throw Errors.badRequest(`A file over ${MAX_SINGLE_PUT_BYTES} bytes (5 GiB) needs parts`);
    }
    return { method: "single" };
  }
  const wantsParts = multipart === true || partSize !== undefined;
  if (!wantsParts && size < options.thresholdBytes && size <= MAX_SINGLE_PUT_BYTES) {
    return { method: "single" };
  }
  if (partSize !== undefined) {
    mustBeValidPartSize(size, partSize, options.maxPartSize);
    return { method: "multipart", partSize, partCount: partCountOf(size, partSize) };
  }
  const needed = Math.ceil(size / MAX_PARTS);
  const chosen = Math.max(options.minPartSize, Math.ceil(needed / MIB) * MIB);
  return { method: "multipart", partSize: chosen, partCount: partCountOf(size, chosen) };
}

function partCountOf(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/**
 * Refuses (400 `invalid_part_size`, with the bounds) a part size S3 would not take for a file
 * of `size` bytes: under 5 MiB, over 5 GiB or the tenant's largest file, or so small that the
 * file needs more than 10,000 parts.
 */
export function mustBeValidPartSize(size: number, partSize: number, maxPartSize?: number): void {
  const max = Math.max(MIN_PART_BYTES, Math.min(MAX_PART_BYTES, maxPartSize ?? MAX_PART_BYTES));
  const min = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS));
  const details = { requested: partSize, min, max };
  if (!Number.isInteger(partSize) || partSize < min) {
    throw Errors.invalidPartSize(
      partSize < MIN_PART_BYTES
        ? `partSize must be at least ${MIN_PART_BYTES} bytes (5 MiB): S3 refuses smaller parts but the last`
        : `partSize must be at least ${min} bytes: a file of ${size} bytes would need more than ${MAX_PARTS} parts`,
      details,
    );
  }
  if (partSize > max) {
    throw Errors.invalidPartSize(
      max < MAX_PART_BYTES
        ? `partSize must be at most ${max} bytes, this tenant's largest file`
        : `partSize must be at most ${MAX_PART_BYTES} bytes (5 GiB)`,
      details,
    );
  }
}

/** The size of part `partNumber` (1-based) of a multipart plan for `size` bytes. */
export function partSizeOf(size: number, partSize: number, partNumber: number): number {
  return Math.min(partSize, size - (partNumber - 1) * partSize);
}

/**
 * Part numbers from a `numbers` parameter: `1,2,5-9`. Throws a RangeError on anything else
 * or on numbers outside 1..`partCount`.
 */
export function parsePartNumbers(spec: string, partCount: number, max: number): number[] {
  const numbers = new Set<number>();
  for (const piece of spec.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(piece);
    if (!match)
      throw new RangeError(`numbers must look like 1,2,5-9 (got ${JSON.stringify(piece)})`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to > partCount || from > to) {
      throw new RangeError(`part numbers must be from 1 to ${partCount}`);
    }
    for (let n = from; n <= to; n++) {
      numbers.add(n);
      if (numbers.size > max) throw new RangeError(`at most ${max} parts per request`);
    }
  }
  return [...numbers].sort((a, b) => a - b);
}
