import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "@filegate/client";

/** The exit codes of `filegate`, documented in its README and `filegate --help`. */
export const EXIT = {
  /** Everything asked was done. */
  ok: 0,
  /** Any other failure: network, server, storage, a wait that timed out. */
  error: 1,
  /** Bad command line (a bad key or prefix too, refused 400) or missing configuration. */
  usage: 2,
  /** A file (or route) that does not exist. */
  notFound: 3,
  /** The token was refused (401) or may not do this (403). */
  auth: 4,
  /** A condition failed: create-only and the file exists (412), or a conflict (409). */
  conflict: 5,
  /** Refused by the tenant's limits: too large or over quota (413), type not allowed (415). */
  limits: 6,
} as const;

/** A mistake on the command line, or configuration that is missing. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The exit code that says what went wrong. */
export function exitCodeOf(error: unknown): number {
  // A key or prefix the API (or the client, before sending) refuses is a bad argument.
  if (error instanceof UsageError || error instanceof BadRequestError) return EXIT.usage;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof UnauthorizedError || error instanceof ForbiddenError) return EXIT.auth;
  if (error instanceof PreconditionFailedError || error instanceof ConflictError) {
    return EXIT.conflict;
  }
  if (error instanceof PayloadTooLargeError || error instanceof UnsupportedMediaTypeError) {
    return EXIT.limits;
  }
  return EXIT.error;
}

/** The help text's table of exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  error (network, server, storage, timeout)
  2  usage: bad arguments (a bad key or prefix too), or no URL/token configured
  3  not found
  4  authentication or authorization refused (401, 403)
  5  precondition failed: create-only and the file exists (412), conflict (409)
  6  refused by limits: too large or over quota (413), content type not allowed (415)`;
