/**
 * What the edge of a deployment does before any handler runs, declared once: API Gateway's
 * CORS and JWT authorizer, and the bucket's CORS. `infra/` configures AWS from these values and
 * the local stack behaves by them, so the local stack is never more permissive than AWS.
 * Pure data: importing it loads nothing else.
 */

/** A method a browser may be allowed to use across origins. */
export type CorsMethod = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "PATCH";

/** A CORS configuration, in the terms both API Gateway and S3 use. */
export interface CorsRules {
  allowOrigins: readonly string[];
  allowMethods: readonly CorsMethod[];
  /** Request headers a browser may send (lower case; a wildcard never covers Authorization). */
  allowHeaders: readonly string[];
  /** Response headers a page may read besides the CORS-safelisted ones. */
  exposeHeaders: readonly string[];
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds: number;
}

/** The HTTP API's CORS: browsers call it with a bearer token from any origin. */
export const API_CORS: CorsRules = {
  allowOrigins: ["*"],
  allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"],
  allowHeaders: ["authorization", "content-type", "accept", "if-none-match", "if-match"],
  exposeHeaders: [
    "location",
    "etag",
    "last-modified",
    "content-length",
    "www-authenticate",
    "allow",
    "apigw-requestid",
  ],
  maxAgeSeconds: 600,
};

/**
 * The bucket's CORS: browsers follow presigned URLs from any origin. Only the methods Filegate
 * presigns, and only the headers its presigned requests carry.
 */
export const BUCKET_CORS: CorsRules = {
  allowOrigins: ["*"],
  allowMethods: ["GET", "HEAD", "PUT", "DELETE"],
  allowHeaders: ["content-type", "if-none-match", "x-amz-checksum-sha256"],
  // Browsers need the ETag of each part to complete a multipart upload.
  exposeHeaders: ["etag", "content-length", "last-modified", "x-amz-request-id"],
  maxAgeSeconds: 3600,
};

/**
 * The JWT authorizer's checks, as API Gateway's HTTP API applies them: RSA signatures only, a
 * `kid` found in the issuer's key set, `iss`, `aud` (or `client_id` when `aud` is absent), `exp`
 * in the future, `nbf` and `iat` in the past. No clock skew is allowed.
 */
export const JWT_AUTHORIZER = {
  algorithms: ["RS256", "RS384", "RS512"],
  requiredClaims: ["exp"],
  identitySource: "$request.header.Authorization",
} as const;

/** API Gateway's own answer when the authorizer refuses a request (no function runs). */
export const UNAUTHORIZED = {
  status: 401,
  body: { message: "Unauthorized" },
} as const;

/**
 * The `WWW-Authenticate` header of API Gateway's 401: a bare `Bearer` challenge when the request
 * carries no token, otherwise the reason the authorizer refused it.
 *
 * @example bearerChallenge("the token does not have a valid audience")
 * // 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
 */
export function bearerChallenge(description?: string): string {
  if (description === undefined) return "Bearer";
  return `Bearer scope="" error="invalid_token" error_description="${description.replaceAll('"', "'")}"`;
}

/**
 * The HTTP API's other answers of its own, given without (or instead of) a function's: a
 * function that fails or runs past its timeout, a request body over the payload limit, a path
 * no route matches.
 */
export const GATEWAY_ANSWERS = {
  internalServerError: { status: 500, body: { message: "Internal Server Error" } },
  requestTooLarge: { status: 413, body: { message: "Request Entity Too Large" } },
  notFound: { status: 404, body: { message: "Not Found" } },
} as const;

/** The largest request body the HTTP API takes (10 MB). */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
