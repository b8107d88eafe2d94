import type { BlobPart, Content } from "./body";
import { AbortError, FilegateError } from "./errors";
import type { ProgressTracker } from "./progress";
import { putPresigned } from "./put";
import type { Transport } from "./transport";
import type { MultipartUploadIntent, PartGrant, StoredPart } from "./types";

/** The API signs at most this many parts per request. */
const MAX_PARTS_PER_REQUEST = 100;
/** A part URL this close to its expiry is signed again before use. */
const EXPIRY_MARGIN_MS = 60_000;

/** How a multipart upload runs. */
export interface MultipartOptions {
  transport: Transport;
  intent: MultipartUploadIntent;
  content: Content;
  progress: ProgressTracker;
  /** Parts in flight at once. */
  concurrency: number;
  /** Further tries of a failed part. */
  retries: number;
  signal?: AbortSignal | undefined;
  now?: () => number;
  /** Parts storage already holds (a resumed upload): not sent again, their ETags kept. */
  stored?: readonly StoredPart[];
  /** Leave the intent pending when the upload fails or is aborted, for a later resume. */
  keepIntent?: boolean;
}

/** The answer of `POST /uploads/{id}/complete`. */
export interface CompletedUpload {
  id: string;
  key: string;
  size: number;
  etag: string;
}

/**
 * Uploads every part of a multipart intent and completes it: parts go `concurrency` at a
 * time; URLs for parts beyond the first response, and for those about to expire, come from
 * `GET /uploads/{id}/parts`; a part that fails with a network error or a 5xx is retried,
 * one refused as expired (403) is signed again and retried. When the upload cannot finish,
 * the intent is aborted (`DELETE /uploads/{id}`) and the error thrown.
 */
export async function uploadMultipart(options: MultipartOptions): Promise<CompletedUpload> {
  const { intent, transport, content } = options;
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  const signal = controller.signal;
  const urls = new PartUrls(transport, intent, signal, options.now ?? Date.now);
  const etags = storedEtags(intent, options.stored ?? []);
  const parts = new PartSource(intent, content, new Set(etags.keys()));
  for (const partNumber of etags.keys()) {
    urls.forget(partNumber);
    options.progress.set(partNumber, partSizeOf(intent, partNumber));
  }

  try {
    mustBeConsistent(intent, content.size);
    let failure: unknown;
    const worker = async () => {
      try {
        for (let part = await parts.next(); part; part = await parts.next()) {
          etags.set(part.partNumber, await uploadPart(options, urls, part, signal));
          urls.forget(part.partNumber);
        }
      } catch (error) {
        // The first failure is the one to report; it stops the other workers' requests.
        failure ??= error;
        controller.abort();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    if (options.signal?.aborted) throw abortedError();
    if (failure !== undefined) throw failure;
    await parts.done();
    const completed = await transport.json<CompletedUpload>({
      method: "POST",
      path: `/uploads/${encodeURIComponent(intent.id)}/complete`,
      json: {
        parts: [...etags.entries()]
          .sort(([a], [b]) => a - b)
          .map(([partNumber, etag]) => ({ partNumber, etag })),
      },
      signal: options.signal,
    });
    options.progress.finish();
    return completed;
  } catch (error) {
    if (options.keepIntent) throw error;
    // Best effort: the API expires abandoned intents anyway.
    await transport
      .api({ method: "DELETE", path: `/uploads/${encodeURIComponent(intent.id)}` })
      .catch(() => {});
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}

/**
 * The ETags of the parts storage holds that fit the intent (a part of another size than the
 * plan's is sent again), by part number.
 */
function storedEtags(
  intent: MultipartUploadIntent,
  stored: readonly StoredPart[],
): Map<number, string> {
  const etags = new Map<number, string>();
  for (const part of stored) {
    const fits =
      part.partNumber >= 1 &&
      part.partNumber <= intent.partCount &&
      part.size === partSizeOf(intent, part.partNumber);
    if (fits && part.etag) etags.set(part.partNumber, part.etag);
  }
  return etags;
}

/** Uploads one part, with retries; returns its ETag as S3 gave it (quotes included). */
async function uploadPart(
  options: MultipartOptions,
  urls: PartUrls,
  part: { partNumber: number; data: Blob },
  signal: AbortSignal,
): Promise<string> {
  const { partNumber, data } = part;
  const response = await putPresigned(options.transport, {
    grant: await urls.get(partNumber),
    resign: () => urls.get(partNumber, true),
    data,
    size: data.size,
    progress: options.progress,
    piece: partNumber,
    retries: options.retries,
    signal,
    what: `part ${partNumber} of the upload of ${options.intent.key}`,
  });
  const etag = response.headers.get("etag");
  if (!etag) {
    throw new FilegateError({
      status: response.status,
      code: "missing_etag",
      message: `Storage gave no ETag for part ${partNumber}; a browser needs the bucket's CORS rules to expose ETag`,
      source: "storage",
    });
  }
  return etag;
}

function mustBeConsistent(intent: MultipartUploadIntent, size: number): void {
  const expected = Math.ceil(size / intent.partSize);
  if (intent.size !== size || intent.partCount !== expected || intent.partSize <= 0) {
    throw new FilegateError({
      status: 0,
      code: "bad_intent",
      message: `The upload intent does not fit the content: ${intent.partCount} parts of ${intent.partSize} bytes for ${size} bytes`,
      source: "client",
    });
  }
}

/** Size of part `n` (1-based): every part is `partSize` but the last. */
function partSizeOf(intent: MultipartUploadIntent, partNumber: number): number {
  return Math.min(intent.partSize, intent.size - (partNumber - 1) * intent.partSize);
}

/**
 * Hands out the parts in order: slices of a Blob, or pieces read in turn from a stream
 * (at most `concurrency` parts are then held in memory).
 */
class PartSource {
  private nextNumber = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly intent: MultipartUploadIntent,
    private readonly content: Content,
    /** Parts not to hand out (storage holds them); a stream's bytes for them are skipped. */
    private readonly skip: ReadonlySet<number> = new Set(),
  ) {}

  /** The next part, or `undefined` when every part has been handed out. */
  next(): Promise<{ partNumber: number; data: Blob } | undefined> {
    const result = this.queue.then(async () => {
      while (this.skip.has(this.nextNumber)) {
        const size = partSizeOf(this.intent, this.nextNumber++);
        if (this.content.kind === "stream") await this.content.reader.readExactly(size);
      }
      if (this.nextNumber > this.intent.partCount) return undefined;
      const partNumber = this.nextNumber++;
      const start = (partNumber - 1) * this.intent.partSize;
      const size = partSizeOf(this.intent, partNumber);
      const data =
        this.content.kind === "blob"
          ? this.content.blob.slice(start, start + size)
          : new Blob([(await this.content.reader.readExactly(size)) as BlobPart]);
      return { partNumber, data };
    });
    this.queue = result.catch(() => {});
    return result;
  }

  /** Checks that a streamed source ended exactly after the last part. */
  async done(): Promise<void> {
    if (this.content.kind === "stream") await this.content.reader.mustBeAtEnd();
  }
}

/** Presigned part URLs: the intent's first ones, and more signed in batches as needed. */
class PartUrls {
  private readonly grants = new Map<number, PartGrant>();
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly finished = new Set<number>();

  constructor(
    private readonly transport: Transport,
    private readonly intent: MultipartUploadIntent,
    private readonly signal: AbortSignal,
    private readonly now: () => number,
  ) {
    for (const part of intent.parts) this.grants.set(part.partNumber, part);
  }

  /** A usable URL for part `n`; `resign` asks for a fresh one (the last was refused). */
  async get(partNumber: number, resign = false): Promise<PartGrant> {
    if (resign) this.grants.delete(partNumber);
    const cached = this.grants.get(partNumber);
    if (cached && this.fresh(cached)) return cached;
    await (this.inflight.get(partNumber) ?? this.fetchFrom(partNumber));
    // Just signed: use it even if the API's URLs live shorter than the safety margin.
    const grant = this.grants.get(partNumber);
    if (grant) return grant;
    throw new FilegateError({
      status: 0,
      code: "bad_parts_answer",
      message: `The API did not sign part ${partNumber} of upload ${this.intent.id}`,
      source: "client",
    });
  }

  /** Part `n` is uploaded: its URL is no longer needed. */
  forget(partNumber: number): void {
    this.finished.add(partNumber);
    this.grants.delete(partNumber);
  }

  private fresh(grant: PartGrant): boolean {
    return Date.parse(grant.expiresAt) - this.now() > EXPIRY_MARGIN_MS;
  }

  /** Signs part `first` and the parts after it that will need a URL, up to 100 at once. */
  private fetchFrom(first: number): Promise<void> {
    const numbers: number[] = [];
    for (let n = first; n <= this.intent.partCount; n++) {
      if (numbers.length === MAX_PARTS_PER_REQUEST) break;
      if (n !== first && (this.finished.has(n) || this.inflight.has(n))) continue;
      const grant = this.grants.get(n);
      if (n === first || !grant || !this.fresh(grant)) numbers.push(n);
    }
    const request = this.transport
      .json<{ parts: PartGrant[] }>({
        method: "GET",
        path: `/uploads/${encodeURIComponent(this.intent.id)}/parts`,
        query: { numbers: compressRanges(numbers) },
        signal: this.signal,
      })
      .then(({ parts }) => {
        for (const part of parts) this.grants.set(part.partNumber, part);
      })
      .finally(() => {
        for (const n of numbers) this.inflight.delete(n);
      });
    for (const n of numbers) this.inflight.set(n, request);
    return request;
  }
}

/**
 * Part numbers as the `numbers` parameter wants them: ascending, runs as ranges.
 *
 * @example compressRanges([1, 2, 5, 6, 7, 9]) // "1-2,5-7,9"
 */
export function compressRanges(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] as number;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] as number;
    ranges.push(start === end ? `${start}` : `${start}-${end}`);
    i++;
  }
  return ranges.join(",");
}

function abortedError(): FilegateError {
  return new AbortError({
    status: 0,
    code: "aborted",
    message: "The upload was aborted",
    source: "client",
  });
}
