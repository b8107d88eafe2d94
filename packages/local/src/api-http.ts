/**
 * The local gateway's HTTP plumbing: writing answers (a function's or the gateway's own) with
 * the API's CORS headers, preflights, and reading or dropping request bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CorsRules, MAX_REQUEST_BODY_BYTES } from "@filegate/functions/edge";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** One of API Gateway's own answers: a status and a `{message}` body. */
export interface GatewayAnswer {
  status: number;
  body: { message: string };
}

/** The ways to answer one request. */
export interface Answers {
  /**
   * Writes an answer: a function's (`fromFunction`), whose own CORS headers give way to the
   * gateway's as on AWS, or one of the gateway's; `withCors: false` for a preflight's, which
   * carries its own.
   */
  finish(
    result: APIGatewayProxyStructuredResultV2,
    options?: { fromFunction?: boolean; withCors?: boolean },
  ): void;
  /** An answer of API Gateway's own: no function runs (or its answer is dropped). */
  gateway(answer: GatewayAnswer, headers?: Record<string, string>): void;
}

/** The answers to one request, each logged with its status and time. */
export function answersTo(
  req: IncomingMessage,
  res: ServerResponse,
  request: {
    requestId: string;
    /** The path as sent, for the log line. */
    rawPathEncoded: string;
    started: number;
    rules: CorsRules;
    log(line: string): void;
  },
): Answers {
  const method = req.method ?? "GET";
  const cors = req.headers.origin ? corsHeaders(request.rules) : {};
  const finish: Answers["finish"] = (result, { fromFunction = false, withCors = true } = {}) => {
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
    headers["Apigw-Requestid"] = request.requestId;
    res.writeHead(status, headers);
    res.end(method === "HEAD" ? undefined : body);
    const ms = (performance.now() - request.started).toFixed(1);
    request.log(`${method} ${request.rawPathEncoded} → ${status} (${ms} ms)`);
  };
  return {
    finish,
    gateway: (answer, headers = {}) =>
      finish({
        statusCode: answer.status,
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(answer.body),
      }),
  };
}

/**
 * The body of a route that reads one, within API Gateway's limit: `"too large"` past it (the
 * rest dropped first, so that the client hears the answer). A client that sent
 * `Expect: 100-continue` is told to go on only when the declared length fits.
 */
export async function receiveBody(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Buffer | "too large"> {
  const waitsForContinue = req.headers.expect?.toLowerCase() === "100-continue";
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_REQUEST_BODY_BYTES) {
    // A client waiting for "100 Continue" sends nothing more; any other is sending already.
    if (!waitsForContinue) await discardBody(req);
    return "too large";
  }
  if (waitsForContinue) res.writeContinue();
  const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
  if (body === undefined) {
    await discardBody(req);
    return "too large";
  }
  return body;
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

/** The CORS headers of an answer to a request that came with an `Origin`. */
export function corsHeaders(rules: CorsRules): Record<string, string> {
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
export function preflightHeaders(rules: CorsRules, req: IncomingMessage): Record<string, string> {
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
