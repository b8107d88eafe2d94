import {
  errorFromApiResponse,
  FilegateError,
  type MultipartUploadIntent,
  type PartGrant,
  UnauthorizedError,
  type UploadIntent,
  type UploadStatus,
} from "@filegate/client";

/** How the plugin reaches the API. */
export interface ApiOptions {
  baseUrl: string;
  getToken: () => string | Promise<string>;
  fetch?: typeof fetch | undefined;
}

/** A part S3 already holds, as the API or the browser's own record reports it. */
export interface StoredPart {
  partNumber: number;
  /** As S3 answered it (quoted). */
  etag: string;
}

/** `GET /uploads/{id}`: with, for a pending multipart upload, the parts S3 holds. */
export type IntentState = UploadStatus;

/** The answer of `POST /uploads/{id}/complete`. */
export interface Completed {
  id: string;
  key: string;
  size: number;
  etag: string;
}

/** What `POST /uploads` is asked for. */
export interface IntentRequest {
  key: string;
  size: number;
  contentType: string;
  /** Upload in parts whatever the size. */
  multipart?: boolean;
  /** The part size to sign (from 5 MiB): implies `multipart`. */
  partSize?: number;
}

/**
 * The upload-intent routes of the Filegate API, with the bearer token on every request (asked
 * for again once after a 401) and typed errors from `@filegate/client`.
 */
export class IntentApi {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** `POST /uploads`: a single PUT or a multipart plan, within the tenant's limits. */
  create(request: IntentRequest, signal?: AbortSignal): Promise<UploadIntent> {
    return this.json("POST", "/uploads", signal, request);
  }

  /** `GET /uploads/{id}`: where the intent stands. */
  status(id: string, signal?: AbortSignal): Promise<IntentState> {
    return this.json("GET", `/uploads/${encodeURIComponent(id)}`, signal);
  }

  /** `GET /uploads/{id}/parts`: fresh presigned PUTs for the given parts. */
  async sign(id: string, numbers: number[], signal?: AbortSignal): Promise<PartGrant[]> {
    const query = `?numbers=${encodeURIComponent(numbers.join(","))}`;
    const answer = await this.json<{ parts: PartGrant[] }>(
      "GET",
      `/uploads/${encodeURIComponent(id)}/parts${query}`,
      signal,
    );
    return answer.parts;
  }

  /** `POST /uploads/{id}/complete` with every part's ETag, in order. */
  complete(id: string, parts: StoredPart[], signal?: AbortSignal): Promise<Completed> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    return this.json("POST", `/uploads/${encodeURIComponent(id)}/complete`, signal, {
      parts: sorted,
    });
  }

  /** `DELETE /uploads/{id}`: aborts the intent (S3 drops its parts, the quota is released). */
  async abort(id: string): Promise<void> {
    await this.request("DELETE", `/uploads/${encodeURIComponent(id)}`);
  }

  private async json<T>(
    method: string,
    path: string,
    signal?: AbortSignal,
    body?: unknown,
  ): Promise<T> {
    return (await (await this.request(method, path, signal, body)).json()) as T;
  }

  private async request(
    method: string,
    path: string,
    signal?: AbortSignal,
    body?: unknown,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.fetch(`${this.base}${path}`, {
        method,
        headers: {
          Accept: "application/json",
          Authorization: `Bearer ${await this.options.getToken()}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        redirect: "manual",
        signal: signal ?? null,
      });
      if (response.ok) return response;
      const error = await errorFromApiResponse(response);
      // A token provider may hand out a fresh token: one more try.
      if (error instanceof UnauthorizedError && attempt === 0) continue;
      throw error;
    }
  }
}

/** Throws unless a multipart plan fits the file it is for. */
export function mustFitFile(intent: MultipartUploadIntent, size: number): void {
  if (intent.size !== size || intent.partCount !== Math.ceil(size / intent.partSize)) {
    throw new FilegateError({
      status: 0,
      code: "bad_intent",
      message: `The upload intent does not fit the file: ${intent.partCount} parts of ${intent.partSize} bytes for ${size} bytes`,
      source: "client",
    });
  }
}
