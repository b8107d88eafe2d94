/**
 * Every error code a caller of the API can see, with the HTTP status it is answered with.
 * The one list: the constructors in `catalogue.ts` build these, `docs/api.md`'s error table
 * and `@filegate/client`'s copy are checked against it by tests.
 */
export const ERROR_STATUS = {
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
} as const satisfies Record<string, number>;

/** A stable error code a client can branch on. */
export type ErrorCode = keyof typeof ERROR_STATUS;
