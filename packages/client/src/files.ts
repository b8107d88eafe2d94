import { NotFoundError } from "./errors";
import { keyPath } from "./keys";
import { type ProgressListener, ProgressTracker } from "./progress";
import type { Transport } from "./transport";
import type { FileInfo, PresignedRequest } from "./types";
import { poll, type WaitOptions } from "./wait";

/** A file being downloaded: its metadata, as storage reports it, and its bytes as a stream. */
export interface FileDownload {
  key: string;
  size: number;
  contentType: string;
  /** ETag without quotes. */
  etag: string;
  lastModified: string;
  /** The bytes; read it to the end, or cancel it. */
  body: ReadableStream<Uint8Array>;
}

/** Options of the download methods. */
export interface DownloadOptions {
  /** Called as bytes arrive; the last call has `loaded === total`. */
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** `HEAD /files/{key}` as a {@link FileInfo}; throws {@link NotFoundError} on 404. */
export async function headFile(
  transport: Transport,
  key: string,
  signal?: AbortSignal,
): Promise<FileInfo> {
  try {
    const response = await transport.api({
      method: "HEAD",
      path: `/files/${keyPath(key)}`,
      signal,
    });
    return { key, ...metadataOf(response.headers) };
  } catch (error) {
    // A HEAD answer has no body to say what was not found.
    if (error instanceof NotFoundError && error.message.startsWith("HTTP ")) {
      throw new NotFoundError({
        status: 404,
        code: error.code,
        message: `No such file: ${key}`,
        requestId: error.requestId,
      });
    }
    throw error;
  }
}

/** `HEAD /files/{key}`, or `undefined` on 404. */
export async function headOrUndefined(
  transport: Transport,
  key: string,
  signal?: AbortSignal,
): Promise<FileInfo | undefined> {
  try {
    return await headFile(transport, key, signal);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Polls `HEAD /files/{key}` until the index holds this upload (the same ETag, when known). */
export function waitForFile(
  transport: Transport,
  key: string,
  etag: string | undefined,
  wait: WaitOptions,
  signal?: AbortSignal,
): Promise<FileInfo> {
  return poll(
    `${key} to appear in the index`,
    async () => {
      const file = await headOrUndefined(transport, key, signal);
      return file && (etag === undefined || file.etag === etag) ? file : undefined;
    },
    wait,
    signal,
  );
}

/** Polls `HEAD /files/{key}` until the index no longer holds the key. */
export async function waitForAbsence(
  transport: Transport,
  key: string,
  wait: WaitOptions,
  signal?: AbortSignal,
): Promise<void> {
  await poll(
    `${key} to leave the index`,
    async () => ((await headOrUndefined(transport, key, signal)) ? undefined : true),
    wait,
    signal,
  );
}

/**
 * Asks the API for a presigned request on `/files/{key}` (its JSON form: the token stays
 * with the API) and sends it to storage.
 */
export async function presignedCall(
  transport: Transport,
  method: "GET" | "DELETE",
  key: string,
  what: string,
  signal?: AbortSignal,
): Promise<Response> {
  const grant = await transport.json<PresignedRequest>({
    method,
    path: `/files/${keyPath(key)}`,
    signal,
  });
  return transport.storage(grant, { signal, what });
}

/** Downloads `key` as a stream, counting progress as the stream is read. */
export async function downloadFile(
  transport: Transport,
  key: string,
  options: DownloadOptions = {},
): Promise<FileDownload> {
  const response = await presignedCall(
    transport,
    "GET",
    key,
    `the download of ${key}`,
    options.signal,
  );
  const metadata = metadataOf(response.headers);
  const body = response.body ?? new Blob([]).stream();
  const progress = new ProgressTracker(key, metadata.size, options.onProgress);
  let received = 0;
  const counted = options.onProgress
    ? body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            received += chunk.byteLength;
            progress.set(0, received);
            controller.enqueue(chunk);
          },
          flush() {
            progress.finish();
          },
        }),
      )
    : body;
  return { key, ...metadata, body: counted as ReadableStream<Uint8Array> };
}

/** Reads a whole download into memory. */
export async function readAll(download: FileDownload): Promise<Uint8Array> {
  return new Uint8Array(await new Response(download.body).arrayBuffer());
}

function metadataOf(headers: Headers): Omit<FileInfo, "key"> {
  const lastModified = headers.get("last-modified");
  return {
    size: Number(headers.get("content-length") ?? 0),
    etag: unquote(headers.get("etag") ?? ""),
    contentType: headers.get("content-type") ?? "",
    lastModified: lastModified ? new Date(lastModified).toISOString() : "",
  };
}

/** An ETag without its quotes (and without a weak `W/` mark). */
export function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
