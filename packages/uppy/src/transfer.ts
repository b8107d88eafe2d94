import { AbortError, FilegateError, NetworkError, type PresignedRequest } from "@filegate/client";

/** How a presigned PUT is sent and tried again. */
export interface SendOptions {
  /** Called with the bytes of this body sent so far. */
  onProgress: (loaded: number) => void;
  signal: AbortSignal;
  /** Waits before each further try, in milliseconds; its length is the number of retries. */
  retryDelays: readonly number[];
  /** A fresh presigned request, for a retry after storage refused an expired one (403). */
  resign?: (() => Promise<PresignedRequest>) | undefined;
  /** What is being sent, for error messages. */
  what: string;
}

/**
 * Sends `body` with a presigned PUT (its method, URL and exactly its headers: never the bearer
 * token) and resolves with the ETag storage answered. `XMLHttpRequest`, because `fetch` reports
 * no upload progress in browsers. Network failures, 5xx and 429 are tried again after the
 * `retryDelays`; a 403 (an expired URL) is signed again first when `resign` is given.
 */
export async function sendWithRetries(
  grant: PresignedRequest,
  body: Blob,
  options: SendOptions,
): Promise<string> {
  let current = grant;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(current, body, options);
    } catch (error) {
      const delay = options.retryDelays[attempt];
      if (options.signal.aborted) throw abortError();
      if (delay === undefined || !retryable(error, options.resign !== undefined)) throw error;
      options.onProgress(0);
      await sleep(delay, options.signal);
      if (options.resign && (error as FilegateError).status === 403) {
        current = await options.resign();
      }
    }
  }
}

function retryable(error: unknown, canResign: boolean): boolean {
  if (!(error instanceof FilegateError)) return false;
  if (error instanceof NetworkError) return true;
  if (error.status === 403) return canResign;
  return error.status === 429 || error.status >= 500;
}

function send(grant: PresignedRequest, body: Blob, options: SendOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const done = () => options.signal.removeEventListener("abort", onAbort);
    xhr.open(grant.method, grant.url);
    for (const [name, value] of Object.entries(grant.headers)) {
      // The browser sets Content-Length itself (and refuses to be told it).
      if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => options.onProgress(event.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        const etag = xhr.getResponseHeader("etag");
        if (etag) resolve(etag);
        else reject(missingEtag(xhr.status, options.what));
        return;
      }
      reject(storageError(xhr, options.what));
    };
    xhr.onerror = () => {
      done();
      reject(
        new NetworkError({
          status: 0,
          code: "network_error",
          message: `No answer from storage for ${options.what}`,
          source: "storage",
        }),
      );
    };
    xhr.onabort = () => {
      done();
      reject(abortError());
    };
    if (options.signal.aborted) {
      reject(abortError());
      return;
    }
    options.signal.addEventListener("abort", onAbort, { once: true });
    xhr.send(body);
  });
}

function storageError(xhr: XMLHttpRequest, what: string): FilegateError {
  const text = xhr.responseText ?? "";
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const code = tag("Code");
  return new FilegateError({
    status: xhr.status,
    code: code ?? `http_${xhr.status}`,
    message: `Storage refused ${what}: ${xhr.status}${code ? ` ${code}` : ""}${tag("Message") ? ` (${tag("Message")})` : ""}`,
    requestId: xhr.getResponseHeader("x-amz-request-id") ?? undefined,
    source: "storage",
  });
}

function missingEtag(status: number, what: string): FilegateError {
  return new FilegateError({
    status,
    code: "missing_etag",
    message: `Storage gave no ETag for ${what}; the bucket's CORS rules must expose ETag`,
    source: "storage",
  });
}

/** The error of a transfer stopped on purpose (pause or cancel). */
export function abortError(): AbortError {
  return new AbortError({
    status: 0,
    code: "aborted",
    message: "The upload was stopped",
    source: "client",
  });
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
