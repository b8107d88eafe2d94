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
  UNAUTHORIZED,
} from "@filegate/functions/edge";
import { matchPath, type RouteDefinition } from "@filegate/functions/routes";
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import { gatewayEvent, toGatewayClaims, tokenOf } from "./api-event";
import { type Answers, answersTo, corsHeaders, preflightHeaders, receiveBody } from "./api-http";
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

interface ServeOptions {
  routes: readonly LoadedRoute[];
  authority: LocalAuthority;
  cors?: CorsRules;
  log(line: string): void;
}

/**
 * One request through the gateway, in API Gateway's order: a CORS preflight, the path decoded,
 * the route matched, the token checked, the body read, then the route's function invoked.
 */
async function serve(req: IncomingMessage, res: ServerResponse, options: ServeOptions) {
  const started = performance.now();
  const requestId = randomUUID();
  const method = req.method ?? "GET";
  const rawUrl = req.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  const rawPathEncoded = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? "" : rawUrl.slice(queryAt + 1);
  const rules = options.cors ?? API_CORS;
  const { log } = options;
  const answers = answersTo(req, res, { requestId, rawPathEncoded, started, rules, log });

  if (method === "OPTIONS" && req.headers.origin && req.headers["access-control-request-method"]) {
    // A CORS preflight, answered by the gateway from the API's CORS rules, as API Gateway does.
    const headers = preflightHeaders(rules, req);
    return answers.finish({ statusCode: 204, headers }, { withCors: false });
  }

  let path: string;
  try {
    // API Gateway hands handlers the path percent-decoded; decode once, strictly.
    path = percentDecode(rawPathEncoded);
  } catch (error) {
    if (isFilegateError(error)) return answers.finish(error.render(requestId));
    throw error;
  }

  const match = matchRoute(options.routes, method, path);
  if (!match) return answers.gateway(GATEWAY_ANSWERS.notFound);
  const { route, pathParameters } = match;

  const caller = route.auth === "none" ? { claims: {} } : await authorize(req, options.authority);
  if ("refused" in caller) return answers.gateway(UNAUTHORIZED, caller.refused);

  const body = route.body ? await receiveBody(req, res) : undefined;
  if (body === "too large") return answers.gateway(GATEWAY_ANSWERS.requestTooLarge);

  const routeKey = `${route.method} ${route.path}`;
  const event = gatewayEvent({
    req,
    requestId,
    routeKey,
    method,
    path,
    rawQueryString,
    pathParameters,
    claims: caller.claims,
    body,
  });
  await invoke(route, routeKey, event, answers, log);
}

/**
 * The caller's claims, as the JWT authorizer passes them on, or the headers of its 401:
 * a challenge, with the reason when a token was given and refused.
 */
async function authorize(
  req: IncomingMessage,
  authority: LocalAuthority,
): Promise<{ claims: Record<string, string> } | { refused: Record<string, string> }> {
  const token = tokenOf(req.headers.authorization);
  if (token === undefined) return { refused: { "WWW-Authenticate": bearerChallenge() } };
  try {
    return { claims: toGatewayClaims(await authority.verify(token)) };
  } catch (error) {
    const description =
      error instanceof TokenRefused ? error.description : "the token could not be verified";
    return { refused: { "WWW-Authenticate": bearerChallenge(description) } };
  }
}

/**
 * Runs the route's function within its timeout and writes its answer; a function that throws
 * or times out is answered for by the gateway (500), as on AWS.
 */
async function invoke(
  route: LoadedRoute,
  routeKey: string,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  answers: Answers,
  log: (line: string) => void,
): Promise<void> {
  const timeoutSeconds = route.timeoutSeconds ?? DEFAULT_ROUTE_TIMEOUT_SECONDS;
  const functionName = `filegate-local-${routeKey.replace(/[^A-Za-z0-9]+/g, "-")}`;
  const context = lambdaContext(functionName, timeoutSeconds * 1000);
  let result: APIGatewayProxyStructuredResultV2 | typeof TIMED_OUT;
  try {
    result = await withTimeout(route.run(event, context), timeoutSeconds * 1000);
  } catch (error) {
    // An unhandled error in the function: API Gateway answers for it.
    log(`${routeKey} failed: ${(error as Error).stack ?? error}`);
    return answers.gateway(GATEWAY_ANSWERS.internalServerError);
  }
  if (result === TIMED_OUT) {
    log(`${routeKey}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    return answers.gateway(GATEWAY_ANSWERS.internalServerError);
  }
  answers.finish(result, { fromFunction: true });
}
