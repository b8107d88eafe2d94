import { BadRequestError } from "./errors";
import { isNode, openFileAsBlob } from "./node";

/**
 * What `upload` accepts: bytes (a Node `Buffer` is a `Uint8Array`), a `Blob` or `File`, a web
 * `ReadableStream` or any async iterable of bytes (a Node `Readable`), or `{ path }` for a
 * file on disk (Node only).
 */
export type UploadSource =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | { path: string };

/** The bytes of an upload, ready to be sent whole or in parts. */
export type Content =
  /** Readable any number of times, and sliceable (bytes, Blobs, files). */
  | { kind: "blob"; blob: Blob; size: number; type: string }
  /** Readable once, in order (a stream whose size the caller gave). */
  | { kind: "stream"; reader: ChunkReader; size: number; type: string };

/** Size of the pieces a streamed body is cut into, and so the granularity of progress. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Turns an upload source into {@link Content}. A stream becomes streamed content when its
 * size is known and the runtime can stream request bodies (Node); otherwise it is read into
 * memory first, since S3 needs the length before the first byte.
 */
export async function prepareContent(source: UploadSource, size?: number): Promise<Content> {
  if (source instanceof Blob) return blobContent(source, size);
  if (source instanceof ArrayBuffer) return blobContent(new Blob([source]), size);
  if (ArrayBuffer.isView(source)) {
    const view = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return blobContent(new Blob([view as BlobPart]), size);
  }
  if (isPathSource(source)) return blobContent(await openFileAsBlob(source.path), size);
  const reader = new ChunkReader(iteratorOf(source as ByteStream));
  if (size !== undefined && isNode()) {
    mustBeSize(size);
    return { kind: "stream", reader, size, type: "" };
  }
  const chunks: Uint8Array[] = [];
  for (let chunk = await reader.read(); chunk; chunk = await reader.read()) chunks.push(chunk);
  return blobContent(new Blob(chunks as BlobPart[]), size);
}

function blobContent(blob: Blob, size: number | undefined): Content {
  if (size !== undefined && size !== blob.size) {
    throw new BadRequestError({
      status: 0,
      code: "size_mismatch",
      message: `The source holds ${blob.size} bytes, not the ${size} given as size`,
      source: "client",
    });
  }
  return { kind: "blob", blob, size: blob.size, type: blob.type };
}

function mustBeSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new BadRequestError({
      status: 0,
      code: "bad_request",
      message: `size must be a whole number of bytes (got ${size})`,
      source: "client",
    });
  }
}

function isPathSource(source: UploadSource): source is { path: string } {
  return typeof (source as { path?: unknown }).path === "string";
}

type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** What the Blob constructor takes (a DOM type that Node's type definitions lack). */
export type BlobPart = NonNullable<ConstructorParameters<typeof Blob>[0]>[number];

/** What `fetch` takes as a request body. */
export type RequestBody = NonNullable<RequestInit["body"]>;

function iteratorOf(source: ByteStream): AsyncIterator<Uint8Array | string> {
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) {
    const reader = source.getReader();
    return {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  if (Symbol.asyncIterator in (source as object)) {
    return (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  }
  throw new TypeError(
    "upload: the source must be bytes, a Blob, a ReadableStream, an async iterable of bytes or { path }",
  );
}

/** Reads a byte stream in pieces of the sizes asked for. */
export class ChunkReader {
  private pending: Uint8Array | undefined;
  private readonly encoder = new TextEncoder();

  constructor(private readonly iterator: AsyncIterator<Uint8Array | string>) {}

  /** The next piece, at most `max` bytes; `undefined` at the end. */
  async read(max = Number.POSITIVE_INFINITY): Promise<Uint8Array | undefined> {
    let chunk = this.pending;
    this.pending = undefined;
    while (!chunk || chunk.byteLength === 0) {
      const next = await this.iterator.next();
      if (next.done) return undefined;
      chunk = typeof next.value === "string" ? this.encoder.encode(next.value) : next.value;
    }
    if (chunk.byteLength <= max) return chunk;
    this.pending = chunk.subarray(max);
    return chunk.subarray(0, max);
  }

  /** Exactly `size` bytes; throws when the stream ends first. */
  async readExactly(size: number): Promise<Uint8Array> {
    const result = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const chunk = await this.read(size - filled);
      if (!chunk) throw sizeMismatch(`ended after ${filled} of ${size} bytes`);
      result.set(chunk, filled);
      filled += chunk.byteLength;
    }
    return result;
  }

  /** Throws unless the stream has ended. */
  async mustBeAtEnd(): Promise<void> {
    if (await this.read(1)) throw sizeMismatch("holds more bytes than the size given");
  }

  /** Stops reading (cancels the underlying stream). */
  async cancel(): Promise<void> {
    await this.iterator.return?.();
  }
}

function sizeMismatch(what: string): BadRequestError {
  return new BadRequestError({
    status: 0,
    code: "size_mismatch",
    message: `The upload source ${what}`,
    source: "client",
  });
}

/** A request body, and how many of its bytes have been handed to `fetch` so far. */
export interface CountedBody {
  body: RequestBody;
  /** True when progress is counted as the body streams; false when only the end is known. */
  streaming: boolean;
}

/**
 * A request body of exactly `size` bytes that reports, through `onBytes`, how many bytes
 * `fetch` has read from it. In Node the body is a stream cut into 64 KiB pieces (fetch has no
 * upload progress events there); elsewhere it is the Blob itself, and the caller reports the
 * whole size once the request has succeeded.
 */
export function countedBody(
  source: Blob | ChunkReader,
  size: number,
  onBytes: (sent: number) => void,
): CountedBody {
  if (!isNode()) {
    if (source instanceof ChunkReader) throw new TypeError("streamed bodies need Node");
    return { body: source, streaming: false };
  }
  const reader =
    source instanceof ChunkReader
      ? source
      : new ChunkReader(iteratorOf(source.stream() as ReadableStream<Uint8Array>));
  // A caller's stream must end exactly at `size`; a Blob's length is known to be right.
  const checkEnd = source instanceof ChunkReader;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (size === 0) controller.close();
    },
    async pull(controller) {
      const chunk = await reader.read(Math.min(CHUNK_BYTES, size - sent));
      if (!chunk) {
        controller.error(sizeMismatch(`ended after ${sent} of ${size} bytes`));
        return;
      }
      sent += chunk.byteLength;
      controller.enqueue(chunk);
      onBytes(sent);
      if (sent < size) return;
      if (checkEnd) {
        try {
          await reader.mustBeAtEnd();
        } catch (error) {
          controller.error(error);
          return;
        }
      }
      controller.close();
    },
    async cancel() {
      await reader.cancel();
    },
  });
  return { body, streaming: true };
}
