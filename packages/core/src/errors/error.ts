import { ERROR_STATUS, type ErrorCode } from "./codes";

/** The JSON body of an error answer: `{error: {code, message, details?}, requestId}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
  requestId: string;
}

/**
 * An error answer, ready to send: status, headers and the JSON body as text, in the shape of
 * a Lambda function's answer to API Gateway (which the local gateway takes too).
 */
export interface RenderedError {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What a {@link FilegateError} may carry besides its code and message. */
export interface ErrorOptions {
  cause?: unknown;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
}

/**
 * One error model for the whole product: a stable `code` clients can branch on, the HTTP
 * `status` that code maps to, and the original `cause` for logs. It renders itself; anything
 * else is an internal error and is answered with the catalogue's bare 500.
 */
export class FilegateError<C extends ErrorCode = ErrorCode> extends Error {
  override name = "FilegateError";
  readonly code: C;
  readonly status: number;
  /** Extra response headers (for example `WWW-Authenticate` or `Allow`). */
  readonly headers: Record<string, string>;
  /** Machine-readable details safe to show to the caller. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = options.headers ?? {};
    this.details = options.details;
  }

  /**
   * The JSON body the caller sees. Not named `toJSON`: `JSON.stringify` would call it when the
   * error is logged, and the log would lose the stack and the cause.
   */
  body(requestId: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
      requestId,
    };
  }

  /** The whole answer: status, JSON headers (never cached) and the error's own, and the body. */
  render(requestId: string): RenderedError {
    return {
      statusCode: this.status,
      headers: {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        ...this.headers,
      },
      body: JSON.stringify(this.body(requestId)),
    };
  }
}

/** True for errors produced by the catalogue. */
export function isFilegateError(error: unknown): error is FilegateError {
  return error instanceof FilegateError;
}
