import { MAX_PARTS, MAX_SINGLE_PUT_BYTES } from "../config";

const MIB = 1024 * 1024;

export type UploadPlan =
  | { method: "single" }
  | { method: "multipart"; partSize: number; partCount: number };

/**
 * How a file of `size` bytes is uploaded: one PUT below the threshold, multipart from it
 * (and always above S3's 5 GiB single-PUT limit), with parts of at least `minPartSize`,
 * whole MiB, and never more than 10,000 of them.
 *
 * @example planUpload(1_000_000_000, { thresholdBytes: 100 * 2 ** 20, minPartSize: 8 * 2 ** 20 })
 * // { method: "multipart", partSize: 8388608, partCount: 120 }
 */
export function planUpload(
  size: number,
  options: { thresholdBytes: number; minPartSize: number },
): UploadPlan {
  if (size < options.thresholdBytes && size <= MAX_SINGLE_PUT_BYTES) return { method: "single" };
  const needed = Math.ceil(size / MAX_PARTS);
  const partSize = Math.max(options.minPartSize, Math.ceil(needed / MIB) * MIB);
  return { method: "multipart", partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
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
