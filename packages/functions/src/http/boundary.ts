import type { RequestOrigin } from "@filegate/core/audit";
import { type Principal, principalFromClaims } from "@filegate/core/auth";
import { asFilegateError, Errors, isFilegateError } from "@filegate/core/errors";
import type { PresignedRequest } from "@filegate/core/storage";
import { type FileKey, mustBeValidKey } from "@filegate/core/tenancy";
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import { logger } from "../lib/logger";
import { settings } from "../lib/settings";

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A parsed request: what every route needs, resolved once. */
export interface Request {
  event: HttpEvent;
  principal: Principal;
  requestId: string;
  /** Request id, source IP and user agent, for audit records. */
  origin: RequestOrigin;
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  query(name: string): string | undefined;
  /** The request body as text (API Gateway may hand it over base64-encoded). */
  body(): string | undefined;
  /** Milliseconds left before the function times out (unbounded outside Lambda). */
  remainingTimeMs(): number;
}

/**
 * The HTTP boundary of every route: authenticates the caller from the authorizer's claims,
 * runs the route, and renders what it returns or throws. Catalogued errors render themselves
 * (JSON `{error: {code, message}, requestId}`); anything else is logged and answered with the
 * catalogue's bare 500.
 */
export function route(run: (request: Request) => Promise<HttpResult>) {
  return async (
    event: HttpEvent,
    context?: Pick<Context, "getRemainingTimeInMillis">,
  ): Promise<HttpResult> => {
    const requestId = event.requestContext.requestId;
    try {
      return await run(new ParsedRequest(event, context));
    } catch (error) {
      if (!isFilegateError(error)) {
        logger.error("unexpected error", { requestId, error: error as Error });
      } else if (error.status >= 500) {
        logger.error("request failed", { requestId, error });
      }
      return asFilegateError(error).render(requestId);
    }
  };
}

/**
 * A {@link Request} over an API Gateway event. Its accessors are methods of the class rather
 * than closures made per request: a redirect costs a few tens of microseconds, and building
 * (and, in a bundle that keeps names, naming) four functions each time was a visible part.
 */
class ParsedRequest implements Request {
  readonly principal: Principal;
  readonly requestId: string;
  readonly origin: RequestOrigin;
  private readonly headers: Record<string, string>;

  constructor(
    readonly event: HttpEvent,
    private readonly context: Pick<Context, "getRemainingTimeInMillis"> | undefined,
  ) {
    const { requestContext } = event;
    this.requestId = requestContext.requestId;
    this.headers = lowerCaseKeys(event.headers ?? {});
    this.principal = principalFromClaims(
      requestContext.authorizer?.jwt?.claims,
      settings.tenantClaim,
    );
    this.origin = {
      requestId: this.requestId,
      sourceIp: requestContext.http?.sourceIp ?? "",
      userAgent: requestContext.http?.userAgent ?? "",
    };
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  query(name: string): string | undefined {
    return this.event.queryStringParameters?.[name];
  }

  body(): string | undefined {
    const { body, isBase64Encoded } = this.event;
    if (body === undefined) return undefined;
    return isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
  }

  remainingTimeMs(): number {
    return this.context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
  }
}

/** The scope that lets an operator read and set any tenant's limits. */
export const TENANTS_ADMIN_SCOPE = "tenants:admin";

/** Throws 403 unless the caller's token carries `scope`. */
export function mustHaveScope(request: Request, scope: string): void {
  if (!request.principal.scopes.has(scope)) {
    throw Errors.forbidden(`This needs the ${scope} scope`);
  }
}

/**
 * The file key of a `/files/{key+}` route, validated. API Gateway (and the local stack)
 * hand the path parameter over percent-decoded, so it is checked as it is, never decoded again.
 */
export function fileKeyOf(request: Request): FileKey {
  const key = request.event.pathParameters?.key ?? "";
  mustBeValidKey(key);
  return key;
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/**
 * The answer to a granted request: a 307 to the presigned URL, or its JSON form when the
 * client asks for JSON (browsers and large uploads, which must not send the body twice).
 */
export function grant(request: Request, presigned: PresignedRequest): HttpResult {
  if (wantsJson(request.header("accept"))) {
    const { url, method, headers, expiresAt } = presigned;
    return json(200, { url, method, headers, expiresAt });
  }
  return {
    statusCode: 307,
    headers: { Location: presigned.url, "Cache-Control": "no-store" },
    body: "",
  };
}

/** True when an `Accept` header asks for JSON (and does not refuse it with q=0). */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((range) => {
    const [type, ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    if (type !== "application/json") return false;
    const q = params.find((param) => param.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = value;
  }
  return result;
}
