/**
 * Errors the client throws. Every one is a {@link FilegateError}: branch on the class
 * (`instanceof NotFoundError`) or on `code`. `source` tells who refused: the Filegate API,
 * the storage behind a presigned URL (S3), or the client itself (network, timeouts, bad input).
 */

/** Who produced an error. */
export type ErrorSource = "api" | "storage" | "client";

/** What every {@link FilegateError} is built from. */
export interface FilegateErrorInit {
  /** HTTP status; `0` when no HTTP answer was involved (network failure, timeout). */
  status: number;
  /** A stable code: the API's (`not_found`, `quota_exceeded`...), S3's or the client's own. */
  code: string;
  message: string;
  /** The API's `requestId` (or S3's `x-amz-request-id`): quote it when reporting a problem. */
  requestId?: string | undefined;
  /** Machine-readable details from the API (for example quota numbers on a 413). */
  details?: Record<string, unknown> | undefined;
  source?: ErrorSource;
  cause?: unknown;
}

/** The base of every error the client throws. */
export class FilegateError extends Error {
  override name = "FilegateError";
  /** HTTP status; `0` when there was no HTTP answer (network failure, timeout, bad input). */
  readonly status: number;
  /** A stable code to branch on, such as `not_found` or `precondition_failed`. */
  readonly code: string;
  /** The request id to quote when reporting a problem, when the server gave one. */
  readonly requestId: string | undefined;
  /** Machine-readable details from the API, when it gave any. */
  readonly details: Record<string, unknown> | undefined;
  /** Who refused: the API, the storage (S3) or the client itself. */
  readonly source: ErrorSource;

  constructor(init: FilegateErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.source = init.source ?? "api";
  }
}

/** 400: the request was refused as malformed (a bad key, query or cursor). */
export class BadRequestError extends FilegateError {
  override name = "BadRequestError";
}

/** 401: no token, or one the API does not accept (signature, audience, expiry). */
export class UnauthorizedError extends FilegateError {
  override name = "UnauthorizedError";
}

/** 403: the token is valid but may not do this (no usable tenant, missing scope). */
export class ForbiddenError extends FilegateError {
  override name = "ForbiddenError";
}

/** 404: no such file for this tenant (or no such route on this API). */
export class NotFoundError extends FilegateError {
  override name = "NotFoundError";
}

/** 409: the request conflicts with the state of the resource. */
export class ConflictError extends FilegateError {
  override name = "ConflictError";
}

/** 412: a create-only upload (`createOnly`) found the key already present. */
export class PreconditionFailedError extends FilegateError {
  override name = "PreconditionFailedError";
}

/**
 * 413: over a limit. `code` is `quota_exceeded` (the tenant's bytes or objects) or
 * `too_large` (one object); `details` holds `{limit, used, reserved, requested}`.
 */
export class PayloadTooLargeError extends FilegateError {
  override name = "PayloadTooLargeError";
}

/** 415: the tenant may not store this content type. */
export class UnsupportedMediaTypeError extends FilegateError {
  override name = "UnsupportedMediaTypeError";
}

/** 429 or 503: throttled or briefly unavailable; the client has already retried. */
export class ServiceUnavailableError extends FilegateError {
  override name = "ServiceUnavailableError";
}

/**
 * The storage (S3) refused a presigned request: `code` is S3's own (`AccessDenied`,
 * `SignatureDoesNotMatch`, `EntityTooSmall`...). A 412 from storage is thrown as
 * {@link PreconditionFailedError} instead, with `source: "storage"`.
 */
export class StorageError extends FilegateError {
  override name = "StorageError";
}

/** The request did not get an HTTP answer (connection refused, reset, DNS...). */
export class NetworkError extends FilegateError {
  override name = "NetworkError";
}

/** A wait (for the index to show an upload, for example) ran out of time. */
export class TimeoutError extends FilegateError {
  override name = "TimeoutError";
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortError extends FilegateError {
  override name = "AbortError";
}

type ErrorClass = new (init: FilegateErrorInit) => FilegateError;

const BY_STATUS: Record<number, ErrorClass> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: ServiceUnavailableError,
  503: ServiceUnavailableError,
};

/**
 * The API's error codes and the status each is answered with: a copy of the server's catalogue
 * (`@filegate/core/errors`), kept here because the client depends on no server package.
 * `tests/client-errors.test.ts` fails when the two differ.
 */
export const API_ERRORS = {
  bad_request: 400,
  invalid_key: 400,
  invalid_cursor: 400,
  invalid_webhook_url: 400,
  invalid_part_size: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  too_large: 413,
  quota_exceeded: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  service_unavailable: 503,
  attestation_unconfigured: 503,
} as const;

/** A code the API itself answers with (an {@link FilegateError}'s `code` may also be S3's or the client's). */
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * The code of an answer that carries none (HEAD answers, API Gateway's own `{message}`
 * answers): the API's code for that status. 429 is API Gateway's throttling, never a function's.
 */
export const CODE_BY_STATUS: Readonly<Record<number, ApiErrorCode | "too_many_requests">> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  412: "precondition_failed",
  413: "too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  500: "internal_error",
  503: "service_unavailable",
};

/** The error for an API answer with `status`, of the class that status maps to. */
export function apiError(init: FilegateErrorInit): FilegateError {
  const ErrorType = BY_STATUS[init.status] ?? FilegateError;
  return new ErrorType({ ...init, source: "api" });
}

/** True for any error the client throws. */
export function isFilegateError(error: unknown): error is FilegateError {
  return error instanceof FilegateError;
}

interface ApiErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
  requestId?: unknown;
  /** API Gateway's own answers (its JWT authorizer, unknown routes) are `{message}`. */
  message?: unknown;
}

/**
 * Turns a failed API response into a typed error, from the JSON error body
 * `{error: {code, message, details}, requestId}` when there is one (HEAD answers have none).
 */
export async function errorFromApiResponse(response: Response): Promise<FilegateError> {
  let body: ApiErrorBody = {};
  const text = await response.text().catch(() => "");
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === "object") body = parsed as ApiErrorBody;
  } catch {
    // Not JSON (a proxy's HTML page, say): status and text are all there is.
  }
  const status = response.status;
  const code = stringOr(body.error?.code, CODE_BY_STATUS[status] ?? `http_${status}`);
  const given = stringOr(
    body.error?.message,
    stringOr(body.message, text.slice(0, 200) || `HTTP ${status} ${response.statusText}`.trim()),
  );
  // API Gateway's 401 says why only in its challenge: `error_description="..."`.
  const reason = /error_description="([^"]*)"/.exec(
    response.headers.get("www-authenticate") ?? "",
  )?.[1];
  const message = reason ? `${given}: ${reason}` : given;
  const details =
    body.error?.details && typeof body.error.details === "object"
      ? (body.error.details as Record<string, unknown>)
      : undefined;
  const requestId = stringOr(body.requestId, response.headers.get("apigw-requestid") ?? undefined);
  return apiError({ status, code, message, requestId, details });
}

/**
 * Turns a failed storage (S3) response into a {@link StorageError}, with S3's error code and
 * message from its XML body. A 412 becomes a {@link PreconditionFailedError}: storage refused
 * a create-only write that lost a race.
 */
export async function errorFromStorageResponse(
  response: Response,
  what: string,
): Promise<FilegateError> {
  const text = await response.text().catch(() => "");
  const tag = (name: string) =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.trim() || undefined;
  const s3Code = tag("Code");
  const s3Message = tag("Message");
  const requestId = response.headers.get("x-amz-request-id") ?? tag("RequestId");
  const init: FilegateErrorInit = {
    status: response.status,
    code: s3Code ?? `http_${response.status}`,
    message: `Storage refused ${what}: ${response.status}${s3Code ? ` ${s3Code}` : ""}${s3Message ? ` (${s3Message})` : ""}`,
    requestId,
    source: "storage",
  };
  if (response.status === 412) return new PreconditionFailedError(init);
  return new StorageError(init);
}

/** Wraps a failed `fetch` (no HTTP answer) as a {@link NetworkError}, or an abort as {@link AbortError}. */
export function networkError(error: unknown, what: string): FilegateError {
  if (isFilegateError(error)) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError") {
    return new TimeoutError({
      status: 0,
      code: "timeout",
      message: `${what} timed out`,
      source: "client",
      cause: error,
    });
  }
  if (name === "AbortError") {
    return new AbortError({
      status: 0,
      code: "aborted",
      message: `${what} was aborted`,
      source: "client",
      cause: error,
    });
  }
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  const detail =
    typeof cause?.message === "string" ? cause.message : ((error as Error)?.message ?? "");
  return new NetworkError({
    status: 0,
    code: "network_error",
    message: `${what} failed: ${detail || "no answer"}`,
    source: "client",
    cause: error,
  });
}

function stringOr(value: unknown, fallback: string): string;
function stringOr(value: unknown, fallback: string | undefined): string | undefined;
function stringOr(value: unknown, fallback: string | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : fallback;
}
