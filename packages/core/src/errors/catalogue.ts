import { FilegateError, isFilegateError } from "./error";

type Details = Record<string, unknown>;

/**
 * The catalogue: one constructor per code of `ERROR_STATUS`; every error a caller sees is built
 * here. Methods rather than arrow functions: this object is in every handler's bundle, and a
 * bundle that keeps names wraps each arrow function in a call that names it.
 */
export const Errors = {
  badRequest(message: string, details?: Details) {
    return new FilegateError("bad_request", message, { details });
  },
  invalidKey(reason: string) {
    return new FilegateError("invalid_key", `Invalid key: ${reason}`, { details: { reason } });
  },
  invalidCursor(reason: string) {
    return new FilegateError("invalid_cursor", `Invalid cursor: ${reason}`);
  },
  /** A webhook target that is malformed, not https, or resolves to a private address. */
  invalidWebhookUrl(reason: string) {
    return new FilegateError("invalid_webhook_url", `Invalid webhook url: ${reason}`, {
      details: { reason },
    });
  },
  /** A multipart part size outside S3's or the tenant's bounds: `details` holds `{requested, min, max}`. */
  invalidPartSize(message: string, details: Details) {
    return new FilegateError("invalid_part_size", message, { details });
  },
  unauthorized(message = "A valid bearer token is required", invalidToken = false) {
    return new FilegateError("unauthorized", message, {
      headers: {
        "WWW-Authenticate": invalidToken ? 'Bearer error="invalid_token"' : "Bearer",
      },
    });
  },
  forbidden(message: string) {
    return new FilegateError("forbidden", message);
  },
  notFound(message = "No such file") {
    return new FilegateError("not_found", message);
  },
  methodNotAllowed(method: string, allow: readonly string[]) {
    return new FilegateError("method_not_allowed", `Method ${method} is not allowed here`, {
      headers: { Allow: allow.join(", ") },
    });
  },
  conflict(message: string) {
    return new FilegateError("conflict", message);
  },
  preconditionFailed(message: string) {
    return new FilegateError("precondition_failed", message);
  },
  /** One object over the tenant's largest file: `details` holds `{limit, requested}`. */
  tooLarge(message: string, details?: Details) {
    return new FilegateError("too_large", message, { details });
  },
  /** Over the tenant's bytes or files: `details` holds `{dimension, limit, used, reserved, requested}`. */
  quotaExceeded(message: string, details?: Details) {
    return new FilegateError("quota_exceeded", message, { details });
  },
  unsupportedMediaType(message: string, details?: Details) {
    return new FilegateError("unsupported_media_type", message, { details });
  },
  /** What an error outside the catalogue is answered with: nothing about it is said. */
  internalError(cause?: unknown) {
    return new FilegateError("internal_error", "Internal server error", { cause });
  },
  serviceUnavailable(message: string, cause?: unknown) {
    return new FilegateError("service_unavailable", message, { cause });
  },
  attestationUnconfigured() {
    return new FilegateError(
      "attestation_unconfigured",
      "The service has no attestation key configured, so it cannot sign uploads or cursors",
    );
  },
} as const;

/**
 * The error a caller is answered with: a catalogued error as it is, anything else as the
 * bare 500 of {@link Errors.internalError}, which keeps it as its `cause`.
 */
export function asFilegateError(error: unknown): FilegateError {
  return isFilegateError(error) ? error : Errors.internalError(error);
}
