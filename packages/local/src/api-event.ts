/**
 * The payload 2.0 event API Gateway hands a route's function: the request as the function
 * sees it, with the JWT authorizer's claims as API Gateway passes them on.
 */
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";

/** What the gateway knows of a request once it has matched a route and checked its token. */
export interface RoutedRequest {
  req: IncomingMessage;
  requestId: string;
  routeKey: string;
  method: string;
  /** Percent-decoded, as API Gateway hands it over. */
  path: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  claims: Record<string, string>;
  body: Buffer | undefined;
}

/** The event of one request, as API Gateway builds it for an HTTP API (payload 2.0). */
export function gatewayEvent(request: RoutedRequest): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { req, routeKey, path, rawQueryString, pathParameters, claims, body } = request;
  const now = new Date();
  const headers = joinHeaders(req);
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    ...(rawQueryString ? { queryStringParameters: parseQuery(rawQueryString) } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: request.method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: request.requestId,
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        principalId: "",
        integrationLatency: 0,
        jwt: { claims, scopes: claims.scope ? claims.scope.split(" ") : [] },
      },
    },
    isBase64Encoded: body !== undefined,
    ...(body !== undefined ? { body: body.toString("base64") } : {}),
  };
}

/**
 * The token of an `Authorization` header, as the JWT authorizer reads its identity source:
 * the token alone or prefixed with `Bearer `; `undefined` when there is none.
 */
export function tokenOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const token = /^Bearer(?: |$)/.test(authorization)
    ? authorization.slice("Bearer".length)
    : authorization;
  return token.trim() === "" ? undefined : token.trim();
}

/** Claims as API Gateway passes them on: every value a string, arrays as `[a b]`. */
export function toGatewayClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === "string") claims[name] = value;
    else if (Array.isArray(value)) claims[name] = `[${value.join(" ")}]`;
    else if (value !== null && typeof value === "object") claims[name] = JSON.stringify(value);
    else if (value !== undefined && value !== null) claims[name] = String(value);
  }
  return claims;
}

function joinHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

function parseQuery(raw: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    result[name] = name in result ? `${result[name]},${value}` : value;
  }
  return result;
}
