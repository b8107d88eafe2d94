import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isFilegateError } from "@filegate/core/errors";
import { percentDecode } from "@filegate/core/tenancy";
import { API_CORS, type CorsRules } from "@filegate/functions/edge";
import { matchPath, type RouteDefinition } from "@filegate/functions/routes";
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from "aws-lambda";
import type { LocalAuthority } from "./auth";

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LoadedRoute extends RouteDefinition {
  run: HttpHandler;
}

/** API Gateway refuses request bodies above 10 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

interface Match {
  route: LoadedRoute;
  pathParameters: Record<string, string>;
}

/** Finds the route API Gateway would pick: an exact method before `ANY`. */
export function matchRoute(
  routes: readonly LoadedRoute[],
  method: string,
  path: string,
): Match | undefined {
  const candidates = routes
    .map((route) => ({ route, params: matchPath(route.path, path) }))
    .filter((candidate) => candidate.params !== undefined);
  const chosen =
    candidates.find((candidate) => candidate.route.method === method) ??
    candidates.find((candidate) => candidate.route.method === "ANY");
  return chosen?.params ? { route: chosen.route, pathParameters: chosen.params } : undefined;
}

/**
 * The local API Gateway: verifies bearer tokens like the JWT authorizer, turns each request
 * into a payload 2.0 event for the route's handler module, and writes its answer back.
 * A route that does not read the body (PUT /files/...) is answered before the body is sent:
 * to a client that sent `Expect: 100-continue` it goes straight to the 307.
 */
export async function startApi(options: {
  port: number;
  routes: readonly LoadedRoute[];
  authority: LocalAuthority;
  /** The API's CORS rules (default: the deployment's, `API_CORS`). */
  cors?: CorsRules;
  log(line: string): void;
}): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const server = createServer();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res, options).catch((error) => {
      options.log(`local API failure: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ error: { code: "internal_error", message: "Internal server error" } }),
      );
    });
  };
  server.on("request", handle);
  // Without this listener Node answers "100 Continue" itself and the whole body arrives first.
  server.on("checkContinue", handle);
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    routes: readonly LoadedRoute[];
    authority: LocalAuthority;
    cors?: CorsRules;
    log(line: string): void;
  },
): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  const method = req.method ?? "GET";
  const rawUrl = req.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  const rawPathEncoded = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
  const rules = options.cors ?? API_CORS;
  const cors = req.headers.origin ? corsHeaders(rules) : {};

  const finish = (result: APIGatewayProxyStructuredResultV2) => {
    const status = result.statusCode ?? 200;
    const headers: Record<string, string> = { ...cors, ...stringHeaders(result.headers) };
    const body =
      result.body === undefined
        ? Buffer.alloc(0)
        : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8");
    if (!bodyFullyRead(req)) headers.Connection = "close";
    if (headers["Content-Length"] === undefined || method !== "HEAD") {
      headers["Content-Length"] = String(body.length);
    }
    headers["Apigw-Requestid"] = requestId;
    res.writeHead(status, headers);
    res.end(method === "HEAD" ? undefined : body);
    const ms = (performance.now() - started).toFixed(1);
    options.log(`${method} ${rawPathEncoded} → ${status} (${ms} ms)`);
  };
  const fail = (status: number, code: string, message: string, headers = {}) =>
    finish({
      statusCode: status,
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ error: { code, message }, requestId }),
    });

  if (method === "OPTIONS" && req.headers.origin && req.headers["access-control-request-method"]) {
    // A CORS preflight, answered by the gateway from the API's CORS rules, as API Gateway does.
    return finish({ statusCode: 204, headers: preflightHeaders(rules, req) });
  }

  let path: string;
  try {
    // API Gateway hands handlers the path percent-decoded; decode once, strictly.
    path = percentDecode(rawPathEncoded);
  } catch (error) {
    if (isFilegateError(error)) return fail(400, error.code, error.message);
    throw error;
  }

  const match = matchRoute(options.routes, method, path);
  if (!match) return fail(404, "not_found", `No route for ${method} ${rawPathEncoded}`);

  let claims: Record<string, string> = {};
  if (match.route.auth !== "none") {
    const authorization = req.headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!token) {
      return fail(401, "unauthorized", "A valid bearer token is required", {
        "WWW-Authenticate": "Bearer",
      });
    }
    try {
      claims = toGatewayClaims(await options.authority.verify(token));
    } catch {
      return fail(401, "unauthorized", "The bearer token is not valid", {
        "WWW-Authenticate": 'Bearer error="invalid_token"',
      });
    }
  }

  let body: Buffer | undefined;
  if (match.route.body) {
    if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
    body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return fail(413, "payload_too_large", "The request body is over 10 MB");
  }

  const now = new Date();
  const headers = joinHeaders(req);
  const routeKey = `${match.route.method} ${match.route.path}`;
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    ...(rawQueryString ? { queryStringParameters: parseQuery(rawQueryString) } : {}),
    ...(Object.keys(match.pathParameters).length > 0
      ? { pathParameters: match.pathParameters }
      : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
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
  finish(await match.route.run(event));
}

/** Claims as API Gateway passes them on: every value a string, arrays as `[a b]`. */
function toGatewayClaims(payload: Record<string, unknown>): Record<string, string> {
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

function stringHeaders(headers: APIGatewayProxyStructuredResultV2["headers"]) {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name] = String(value);
  return result;
}

function corsHeaders(rules: CorsRules): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": rules.allowOrigins.join(","),
    "Access-Control-Expose-Headers": rules.exposeHeaders.join(","),
  };
}

/**
 * The answer to a preflight: the allowed methods, and of the headers the browser asks for, those
 * the rules allow. A method or header left out makes the browser refuse the real request.
 */
function preflightHeaders(rules: CorsRules, req: IncomingMessage): Record<string, string> {
  const method = String(req.headers["access-control-request-method"]).toUpperCase();
  if (!rules.allowMethods.some((allowed) => allowed === method)) return {};
  const requested = String(req.headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const allowed = requested.filter((name) => rules.allowHeaders.includes(name));
  return {
    "Access-Control-Allow-Origin": rules.allowOrigins.join(","),
    "Access-Control-Allow-Methods": rules.allowMethods.join(","),
    ...(allowed.length > 0 ? { "Access-Control-Allow-Headers": allowed.join(",") } : {}),
    "Access-Control-Max-Age": String(rules.maxAgeSeconds),
  };
}

function bodyFullyRead(req: IncomingMessage): boolean {
  const hasBody =
    (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0") ||
    req.headers["transfer-encoding"] !== undefined;
  return !hasBody || req.readableEnded;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
