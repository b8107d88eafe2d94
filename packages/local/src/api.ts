import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isFilegateError } from "@filegate/core/errors";
import { percentDecode } from "@filegate/core/tenancy";
import {
  API_CORS,
  bearerChallenge,
  type CorsRules,
  GATEWAY_ANSWERS,
  MAX_REQUEST_BODY_BYTES,
  UNAUTHORIZED,
} from "@filegate/functions/edge";
import { matchPath, type RouteDefinition } from "@filegate/functions/routes";
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { LocalAuthority } from "./auth";
import { TokenRefused } from "./authorizer";
import { lambdaContext, TIMED_OUT, withTimeout } from "./lambda";

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LoadedRoute extends RouteDefinition {
  run: HttpHandler;
}

/** A route function's timeout when the route table names none (as `infra/api.ts` deploys it). */
export const DEFAULT_ROUTE_TIMEOUT_SECONDS = 10;

/** One of API Gateway's own answers: a status and a `{message}` body. */
interface GatewayAnswer {
  status: number;
  body: { message: string };
}

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
      if (res.headersSent) return res.end();
      const { status, body } = GATEWAY_ANSWERS.internalServerError;
      const cors = req.headers.origin ? corsHeaders(options.cors ?? API_CORS) : {};
      res.writeHead(status, { ...cors, "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
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

  /**
   * Writes an answer: a function's (`fromFunction`), whose own CORS headers give way to the
   * gateway's as on AWS, or one of the gateway's; `withCors: false` for a preflight's, which
   * carries its own.
   */
  const finish = (
    result: APIGatewayProxyStructuredResultV2,
    { fromFunction = false, withCors = true } = {},
  ) => {
    const status = result.statusCode ?? 200;
    const given = stringHeaders(result.headers);
    const headers: Record<string, string> = {
      ...(fromFunction ? withoutCorsHeaders(given) : given),
      ...(withCors ? cors : {}),
    };
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
  /** An answer of API Gateway's own: no function runs (or its answer is dropped). */
  const gateway = (answer: GatewayAnswer, headers: Record<string, string> = {}) =>
    finish({
      statusCode: answer.status,
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(answer.body),
    });

  if (method === "OPTIONS" && req.headers.origin && req.headers["access-control-request-method"]) {
    // A CORS preflight, answered by the gateway from the API's CORS rules, as API Gateway does.
    return finish({ statusCode: 204, headers: preflightHeaders(rules, req) }, { withCors: false });
  }

  let path: string;
  try {
    // API Gateway hands handlers the path percent-decoded; decode once, strictly.
    path = percentDecode(rawPathEncoded);
  } catch (error) {
    if (isFilegateError(error)) return finish(error.render(requestId));
    throw error;
  }

  const match = matchRoute(options.routes, method, path);
  if (!match) return gateway(GATEWAY_ANSWERS.notFound);

  let claims: Record<string, string> = {};
  if (match.route.auth !== "none") {
    const token = tokenOf(req.headers.authorization);
    if (token === undefined) {
      return gateway(UNAUTHORIZED, { "WWW-Authenticate": bearerChallenge() });
    }
    try {
      claims = toGatewayClaims(await options.authority.verify(token));
    } catch (error) {
      const description =
        error instanceof TokenRefused ? error.description : "the token could not be verified";
      return gateway(UNAUTHORIZED, { "WWW-Authenticate": bearerChallenge(description) });
    }
  }

  let body: Buffer | undefined;
  if (match.route.body) {
    const waitsForContinue = req.headers.expect?.toLowerCase() === "100-continue";
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_REQUEST_BODY_BYTES) {
      // A client waiting for "100 Continue" sends nothing more; any other is sending already.
      if (!waitsForContinue) await discardBody(req);
      return gateway(GATEWAY_ANSWERS.requestTooLarge);
    }
    if (waitsForContinue) res.writeContinue();
    body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    if (body === undefined) {
      await discardBody(req);
      return gateway(GATEWAY_ANSWERS.requestTooLarge);
    }
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
  const timeoutSeconds = match.route.timeoutSeconds ?? DEFAULT_ROUTE_TIMEOUT_SECONDS;
  const functionName = `filegate-local-${routeKey.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const context = lambdaContext(functionName, timeoutSeconds * 1000);
  let result: APIGatewayProxyStructuredResultV2 | typeof TIMED_OUT;
  try {
    result = await withTimeout(match.route.run(event, context), timeoutSeconds * 1000);
  } catch (error) {
    // An unhandled error in the function: API Gateway answers for it.
    options.log(`${routeKey} failed: ${(error as Error).stack ?? error}`);
    return gateway(GATEWAY_ANSWERS.internalServerError);
  }
  if (result === TIMED_OUT) {
    options.log(`${routeKey}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    return gateway(GATEWAY_ANSWERS.internalServerError);
  }
  finish(result, { fromFunction: true });
}

/**
 * The token of an `Authorization` header, as the JWT authorizer reads its identity source:
 * the token alone or prefixed with `Bearer `; `undefined` when there is none.
 */
function tokenOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const token = /^Bearer(?: |$)/.test(authorization)
    ? authorization.slice("Bearer".length)
    : authorization;
  return token.trim() === "" ? undefined : token.trim();
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

function withoutCorsHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith("access-control-")),
  );
}

function corsHeaders(rules: CorsRules): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": rules.allowOrigins.join(","),
    "Access-Control-Expose-Headers": rules.exposeHeaders.join(","),
  };
}

/**
 * The answer to a preflight: the allowed methods, and of the headers the browser asks for, those
 * the rules allow. A method the rules leave out gets no CORS header at all, a header they leave
 * out is not allowed: either way the browser refuses the real request.
 */
function preflightHeaders(rules: CorsRules, req: IncomingMessage): Record<string, string> {
  const method = String(req.headers["access-control-request-method"]);
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

/**
 * The request body, or `undefined` past `limit` bytes; the stream is then left open (an early
 * exit from `for await` would destroy it, and the connection with it) for `discardBody`.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData).off("end", onEnd).off("error", reject);
        req.pause();
        return resolve(undefined);
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData).once("end", onEnd).once("error", reject);
  });
}

/** How much of a refused body is read and dropped, so that the client hears the answer. */
const DISCARD_LIMIT_BYTES = 4 * MAX_REQUEST_BODY_BYTES;
const DISCARD_LIMIT_MS = 5000;

/**
 * Reads and drops the rest of a request body before its refusal is sent: a server that closes
 * on a client still sending makes the client's network stack reset the connection, and the
 * client may never read the answer. Gives up past a bound (the answer then closes it anyway).
 */
async function discardBody(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  await new Promise<void>((resolve) => {
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > DISCARD_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_LIMIT_MS);
    req.on("data", onData).once("end", done).once("error", done).once("close", done);
    req.resume();
  });
}
