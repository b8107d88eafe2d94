import type { RequestBody } from "./body";
import {
  errorFromApiResponse,
  errorFromStorageResponse,
  FilegateError,
  networkError,
  UnauthorizedError,
} from "./errors";
import type { PresignedRequest } from "./types";

/** How the client reaches the API. */
export interface TransportOptions {
  baseUrl: string;
  token?: string | undefined;
  getToken?: (() => string | Promise<string>) | undefined;
  fetch?: typeof fetch | undefined;
  retries?: number | undefined;
  userAgent?: string | undefined;
}

/** One API request. */
export interface ApiRequest {
  method: "GET" | "HEAD" | "PUT" | "PATCH" | "POST" | "DELETE";
  /** Path below the base URL, already encoded (see {@link keyPath}). */
  path: string;
  query?: Record<string, string | number | undefined> | undefined;
  /** A JSON body. */
  json?: unknown;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

/** Body and extra options for a request to a presigned URL. */
export interface StorageRequest {
  body?: RequestBody | undefined;
  /** Headers besides the presigned ones (Content-Length of a streamed body). */
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** What is being done, for error messages ("the upload of a.txt"). */
  what: string;
}

/** Statuses worth another try: throttling and brief unavailability. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * The client's HTTP layer. API requests carry the bearer token and never follow a redirect
 * (a token must not travel to another host); storage requests go to presigned URLs with the
 * presigned headers only, never with the token.
 */
export class Transport {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly retries: number;

  constructor(private readonly options: TransportOptions) {
    if (!options.baseUrl) throw new TypeError("Filegate: baseUrl is required");
    if (options.token === undefined && options.getToken === undefined) {
      throw new TypeError("Filegate: pass token or getToken");
    }
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.retries = options.retries ?? 2;
  }

  /** Sends an API request and returns its successful response; throws a typed error otherwise. */
  async api(request: ApiRequest): Promise<Response> {
    const url = this.url(request.path, request.query);
    const what = `${request.method} ${request.path}`;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        Accept: "application/json",
        Authorization: `Bearer ${await this.token()}`,
        ...(this.options.userAgent ? { "User-Agent": this.options.userAgent } : {}),
        ...(request.json !== undefined ? { "Content-Type": "application/json" } : {}),
        ...request.headers,
      };
      let response: Response;
      try {
        response = await this.fetch(url, {
          method: request.method,
          headers,
          body: request.json !== undefined ? JSON.stringify(request.json) : undefined,
          // Never follow: the bearer token would go wherever a redirect points.
          redirect: "manual",
          signal: request.signal,
        });
      } catch (error) {
        const failure = networkError(error, what);
        if (failure.code !== "network_error" || attempt >= this.retries) throw failure;
        await sleep(backoff(attempt), request.signal);
        continue;
      }
      if (response.ok) return response;
      if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        throw new FilegateError({
          status: response.status,
          code: "unexpected_redirect",
          message: `${what} answered a redirect; the client asks for JSON and does not follow redirects with its token`,
        });
      }
      const error = await errorFromApiResponse(response);
      if (error instanceof UnauthorizedError && this.options.getToken && !refreshed) {
        refreshed = true; // a token provider may hand out a fresh token: one more try
        continue;
      }
      if (!RETRYABLE.has(response.status) || attempt >= this.retries) throw error;
      await sleep(retryAfter(response) ?? backoff(attempt), request.signal);
    }
  }

  /** Sends an API request and parses its JSON answer. */
  async json<T>(request: ApiRequest): Promise<T> {
    const response = await this.api(request);
    return (await response.json()) as T;
  }

  /**
   * Sends a presigned request to storage: its method, its URL, exactly its headers (plus
   * `extra.headers`), and no Authorization. Throws a {@link StorageError} when refused.
   */
  async storage(presigned: PresignedRequest, request: StorageRequest): Promise<Response> {
    const streamed = isStream(request.body);
    let response: Response;
    try {
      response = await this.fetch(presigned.url, {
        method: presigned.method,
        headers: mergeHeaders(presigned.headers, request.headers),
        body: request.body,
        signal: request.signal,
        // A ReadableStream body needs half duplex in Node's fetch (undici).
        ...(streamed ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (error) {
      throw networkError(error, request.what);
    }
    if (!response.ok) throw await errorFromStorageResponse(response, request.what);
    return response;
  }

  private url(path: string, query: ApiRequest["query"]): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.base}${path}${search ? `?${search}` : ""}`;
  }

  private async token(): Promise<string> {
    const token = this.options.getToken ? await this.options.getToken() : this.options.token;
    if (!token) {
      throw new UnauthorizedError({
        status: 0,
        code: "no_token",
        message: "No token: getToken returned nothing",
        source: "client",
      });
    }
    return token;
  }
}

/** The presigned headers, with `extra` set over them whatever the case of their names. */
function mergeHeaders(
  presigned: Record<string, string>,
  extra: Record<string, string> = {},
): Headers {
  const headers = new Headers(presigned);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

function isStream(body: unknown): boolean {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

/** Exponential backoff with jitter: about 200 ms, 400 ms, 800 ms... capped at 5 s. */
export function backoff(attempt: number): number {
  const base = Math.min(200 * 2 ** attempt, 5000);
  return base / 2 + Math.random() * (base / 2);
}

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, 30_000) : undefined;
}

/** Waits `ms`, or throws when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(networkError(abortReason(), "The operation"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(networkError(abortReason(), "The operation"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortReason(): Error {
  const error = new Error("aborted");
  error.name = "AbortError";
  return error;
}
