import { ChunkReader, countedBody } from "./body";
import { NetworkError, StorageError } from "./errors";
import type { ProgressTracker } from "./progress";
import { backoff, sleep, type Transport } from "./transport";
import type { PresignedRequest } from "./types";

/** One body to PUT to a presigned URL. */
export interface PresignedPut {
  grant: PresignedRequest;
  /** Signs the request again after storage refused it (403, an expired URL); absent: no re-signing. */
  resign?: (() => Promise<PresignedRequest>) | undefined;
  /** The bytes: a Blob can be sent again on a retry, a stream only once. */
  data: Blob | ChunkReader;
  size: number;
  progress: ProgressTracker;
  /** Which piece of the transfer this is, for progress (a part number, or 0). */
  piece: number;
  /** Further tries after a network failure, a storage 5xx or (with `resign`) a 403. */
  retries: number;
  signal?: AbortSignal | undefined;
  /** For error messages: "the upload of a.txt". */
  what: string;
}

/**
 * PUTs a body to a presigned URL with exactly its presigned headers (adding `Content-Length`
 * only when they lack it), counting progress as the body streams, and retrying what is
 * worth retrying. Returns storage's response.
 */
export async function putPresigned(transport: Transport, put: PresignedPut): Promise<Response> {
  const retries = put.data instanceof ChunkReader ? 0 : put.retries;
  let grant = put.grant;
  for (let attempt = 0; ; attempt++) {
    put.progress.set(put.piece, 0);
    const counted = countedBody(put.data, put.size, (sent) => put.progress.set(put.piece, sent));
    try {
      const response = await transport.storage(grant, {
        body: counted.body,
        headers: hasHeader(grant.headers, "content-length")
          ? {}
          : { "Content-Length": String(put.size) },
        signal: put.signal,
        what: put.what,
      });
      put.progress.set(put.piece, put.size);
      return response;
    } catch (error) {
      const expired = error instanceof StorageError && error.status === 403 && put.resign;
      const transient =
        error instanceof NetworkError || (error instanceof StorageError && error.status >= 500);
      if (put.signal?.aborted || attempt >= retries || !(expired || transient)) throw error;
      if (expired && put.resign) grant = await put.resign();
      else await sleep(backoff(attempt), put.signal);
    }
  }
}

/** True when `headers` has `name`, whatever its case. */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((header) => header.toLowerCase() === name);
}
