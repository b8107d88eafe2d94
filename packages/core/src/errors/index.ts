/**
 * One error model for the whole product: a stable `code` clients can branch on, the HTTP
 * `status` it maps to, and the original `cause` for logs. Handlers render these; anything
 * else is an internal error and is answered with a bare 500.
 */
export class FilegateError extends Error {
  override name = "FilegateError";
  readonly code: string;
  readonly status: number;
  /** Extra response headers (for example `WWW-Authenticate` or `Allow`). */
  readonly headers: Record<string, string>;
  /** Machine-readable details safe to show to the caller. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options: {
      cause?: unknown;
      headers?: Record<string, string>;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = status;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

/** The catalogue: every error a caller can see is built here. */
export const Errors = {
  badRequest: (message: string, details?: Record<string, unknown>) =>
    new FilegateError("bad_request", 400, message, { details }),
  invalidKey: (reason: string) =>
    new FilegateError("invalid_key", 400, `Invalid key: ${reason}`, { details: { reason } }),
  invalidCursor: (reason: string) =>
    new FilegateError("invalid_cursor", 400, `Invalid cursor: ${reason}`),
  unauthorized: (message = "A valid bearer token is required", invalidToken = false) =>
    new FilegateError("unauthorized", 401, message, {
      headers: {
        "WWW-Authenticate": invalidToken ? 'Bearer error="invalid_token"' : "Bearer",
      },
    }),
  forbidden: (message: string) => new FilegateError("forbidden", 403, message),
  notFound: (message = "No such file") => new FilegateError("not_found", 404, message),
  methodNotAllowed: (method: string, allow: readonly string[]) =>
    new FilegateError("method_not_allowed", 405, `Method ${method} is not allowed here`, {
      headers: { Allow: allow.join(", ") },
    }),
  preconditionFailed: (message: string) => new FilegateError("precondition_failed", 412, message),
  payloadTooLarge: (message: string, details?: Record<string, unknown>, code = "too_large") =>
    new FilegateError(code, 413, message, { details }),
  unsupportedMediaType: (message: string, details?: Record<string, unknown>) =>
    new FilegateError("unsupported_media_type", 415, message, { details }),
  conflict: (message: string) => new FilegateError("conflict", 409, message),
  unavailable: (message: string, cause?: unknown) =>
    new FilegateError("service_unavailable", 503, message, { cause }),
} as const;

/** True for errors produced by the catalogue above. */
export function isFilegateError(error: unknown): error is FilegateError {
  return error instanceof FilegateError;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
  "ServiceUnavailable",
]);

/**
 * Maps an AWS SDK error to a catalogued error where the caller can act on it (throttling
 * becomes a retryable 503); anything else is returned unchanged and ends as a 500.
 */
export function fromAwsError(error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === "string" && THROTTLING.has(name)) {
    return Errors.unavailable("The service is busy, retry shortly", error);
  }
  return error;
}

/** Awaits an SDK call, turning the errors a caller can act on into catalogued ones. */
export async function aws<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw fromAwsError(error);
  }
}

/** True when an AWS SDK error is a failed DynamoDB condition. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";
}
