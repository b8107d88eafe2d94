import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small stand-in for the Filegate API and its storage, for the client's unit tests: it
 * speaks the upload-intent contract (`POST /uploads`, parts, complete, abort, status) and the
 * JSON form of `PUT /files/{key}`, records every request, and fails on cue. Integration tests
 * use the real local stack instead.
 */
export interface FakeOptions {
  /** How `POST /uploads` answers: intents, or an API that has none (404/405). */
  intents: "single" | "multipart" | 404 | 405;
  /** Multipart: bytes per part, and how many parts the first answer signs (at most 100). */
  partSize?: number;
  firstParts?: number;
  /** `POST /uploads` fails with this status and JSON error instead. */
  refuse?: { status: number; code: string; details?: Record<string, unknown> };
  /** Storage answers 500 to these part numbers (0: the single PUT) this many times. */
  failures?: Record<number, number>;
  /** Storage answers 403 (expired) to the first signature of these part numbers. */
  expired?: number[];
  /** Parts whose URL in the first answer is about to expire (the client must re-sign). */
  expiring?: number[];
  /** `GET /uploads/{id}` statuses, one per poll (the last repeats). */
  statuses?: string[];
  /** Tokens the API accepts (default: any). */
  tokens?: string[];
}

/** One request the fake received. */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface FakeFilegate {
  url: string;
  requests: Recorded[];
  /** Bytes stored per part number (0: a single PUT). */
  stored: Map<number, Buffer>;
  /** The stored object: every part, in order. */
  object(): Buffer;
  /** Requests to storage (never to carry Authorization). */
  storageRequests(): Recorded[];
  close(): Promise<void>;
}

const ID = "up-1";

/** What the fake remembers between requests. */
interface FakeState {
  options: FakeOptions;
  requests: Recorded[];
  stored: Map<number, Buffer>;
  /** Failures still to answer, per part number. */
  failures: Record<number, number>;
  /** How many times each part was signed. */
  signatures: Map<number, number>;
  statuses: string[];
  intent: { key: string; size: number; contentType: string } | undefined;
  partSize: number;
  base: string;
}

/** One request being answered. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  record: Recorded;
  json(status: number, body: unknown): void;
  error(status: number, code: string, details?: Record<string, unknown>): void;
}

type Route = (state: FakeState, x: Exchange) => void;

/** The API's routes after the bearer check: method, path test, answer. */
const ROUTES: [string, (path: string) => boolean, Route][] = [
  ["POST", (path) => path === "/uploads", createUpload],
  ["GET", (path) => path === `/uploads/${ID}/parts`, signParts],
  ["POST", (path) => path === `/uploads/${ID}/complete`, completeUpload],
  ["DELETE", (path) => path === `/uploads/${ID}`, abortUpload],
  ["GET", (path) => path === `/uploads/${ID}`, uploadStatus],
  ["PUT", (path) => path.startsWith("/files/"), grantDirectPut],
  ["HEAD", (path) => path.startsWith("/files/"), headFile],
];

/** Starts the fake on a free local port. */
export async function startFakeFilegate(options: FakeOptions): Promise<FakeFilegate> {
  const state: FakeState = {
    options,
    requests: [],
    stored: new Map<number, Buffer>(),
    failures: { ...options.failures },
    signatures: new Map<number, number>(),
    statuses: [...(options.statuses ?? ["committed"])],
    intent: undefined,
    partSize: options.partSize ?? 64,
    base: "",
  };
  const { requests, stored } = state;
  const server = createServer((req, res) => {
    handle(state, req, res).catch((failure) => {
      res.writeHead(500).end(String(failure));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: state.base,
    requests,
    stored,
    object: () =>
      Buffer.concat([...stored.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes)),
    storageRequests: () => requests.filter((r) => r.path.startsWith("/storage/")),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Records a request, then answers it as storage, as the bearer check, or by its route. */
async function handle(state: FakeState, req: IncomingMessage, res: ServerResponse) {
  const x = await receive(state, req, res);
  if (x.url.pathname.startsWith("/storage/")) return storagePut(state, x);
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (!token || (state.options.tokens && !state.options.tokens.includes(token))) {
    res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": "Bearer" });
    res.end(JSON.stringify({ message: "Unauthorized" }));
    return;
  }
  const route = ROUTES.find(
    ([method, matches]) => req.method === method && matches(x.url.pathname),
  );
  if (route) return route[2](state, x);
  x.error(404, "not_found");
}

/** Reads and records a request, with the JSON answers it can be given. */
async function receive(
  state: FakeState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Exchange> {
  const url = new URL(req.url ?? "/", state.base);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const record: Recorded = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks),
  };
  state.requests.push(record);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json", "Apigw-Requestid": "req-1" });
    res.end(JSON.stringify(body));
  };
  const error = (status: number, code: string, details?: Record<string, unknown>) =>
    json(status, { error: { code, message: `fake ${code}`, details }, requestId: "req-1" });
  return { req, res, url, record, json, error };
}

/** Storage: a presigned PUT of a part (0: the single PUT), failing on cue. */
function storagePut(state: FakeState, { req, res, url, record }: Exchange): void {
  if (req.headers.authorization) {
    res.writeHead(400).end("<Error><Code>InvalidArgument</Code></Error>");
    return;
  }
  const n = Number(url.pathname.split("/")[2]);
  if (Number(req.headers["content-length"]) !== record.body.length) {
    res.writeHead(400).end("<Error><Code>IncompleteBody</Code></Error>");
    return;
  }
  const { failures } = state;
  if ((failures[n] ?? 0) > 0) {
    failures[n] = (failures[n] ?? 0) - 1;
    res.writeHead(500).end("<Error><Code>InternalError</Code><Message>boom</Message></Error>");
    return;
  }
  if (state.options.expired?.includes(n) && url.searchParams.get("v") === "1") {
    res
      .writeHead(403, { "x-amz-request-id": "s3-req" })
      .end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    return;
  }
  state.stored.set(n, record.body);
  const etag = `"${createHash("md5").update(record.body).digest("hex")}"`;
  res.writeHead(200, { ETag: etag }).end();
}

/** `POST /uploads`: a single or multipart intent, or no intents at all (404/405). */
function createUpload(state: FakeState, { record, json, error }: Exchange) {
  const { options, base } = state;
  if (options.refuse)
    return error(options.refuse.status, options.refuse.code, options.refuse.details);
  if (options.intents === 404) return error(404, "not_found");
  if (options.intents === 405) return error(405, "method_not_allowed");
  const intent: FakeState["intent"] = JSON.parse(record.body.toString("utf8"));
  state.intent = intent;
  const common = {
    id: ID,
    ...intent,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  };
  if (options.intents === "single") {
    const size = String(intent?.size);
    return json(201, {
      ...common,
      method: "single",
      upload: {
        url: `${base}/storage/0`,
        method: "PUT",
        headers: {
          "Content-Type": intent?.contentType,
          "Content-Length": size,
          "x-amz-meta-intent": ID,
        },
        expiresAt: new Date(Date.now() + 300_000).toISOString(),
      },
    });
  }
  const first = Math.min(options.firstParts ?? 100, 100, partCount(state));
  return json(201, {
    ...common,
    method: "multipart",
    partSize: state.partSize,
    partCount: partCount(state),
    parts: Array.from({ length: first }, (_, i) =>
      partGrant(state, i + 1, options.expiring?.includes(i + 1) ? 30_000 : 300_000),
    ),
  });
}

/** `GET /uploads/{id}/parts?numbers=`: fresh signatures, at most 100. */
function signParts(state: FakeState, { url, json, error }: Exchange) {
  const numbers = parseRanges(url.searchParams.get("numbers") ?? "");
  if (numbers.length > 100) return error(400, "bad_request");
  return json(200, { parts: numbers.map((n) => partGrant(state, n)) });
}

/** `POST /uploads/{id}/complete`. */
function completeUpload({ intent }: FakeState, { json }: Exchange) {
  return json(200, { id: ID, key: intent?.key, size: intent?.size, etag: "final-etag-2" });
}

/** `DELETE /uploads/{id}`. */
function abortUpload(_state: FakeState, { res }: Exchange): void {
  res.writeHead(204).end();
}

/** `GET /uploads/{id}`: the next status on cue (the last repeats). */
function uploadStatus({ statuses, intent, options }: FakeState, { json }: Exchange) {
  const status = statuses.length > 1 ? statuses.shift() : statuses[0];
  return json(200, { id: ID, ...intent, method: options.intents, status, expiresAt: "" });
}

/** The JSON form of `PUT /files/{key}`: a presigned PUT to storage. */
function grantDirectPut({ base }: FakeState, { req, json }: Exchange) {
  const headers: Record<string, string> = {};
  if (req.headers["content-type"]) headers["Content-Type"] = req.headers["content-type"];
  if (req.headers["if-none-match"]) headers["If-None-Match"] = "*";
  return json(200, { url: `${base}/storage/0`, method: "PUT", headers, expiresAt: "" });
}

/** `HEAD /files/{key}`: the single PUT's object, if stored. */
function headFile({ stored }: FakeState, { res }: Exchange): void {
  const body = stored.get(0);
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    "Content-Length": String(body.length),
    "Content-Type": "application/octet-stream",
    ETag: `"${createHash("md5").update(body).digest("hex")}"`,
    "Last-Modified": new Date().toUTCString(),
  });
  res.end();
}

/** Parts of the intent's size. */
function partCount({ intent, partSize }: FakeState): number {
  return Math.ceil((intent?.size ?? 0) / partSize);
}

/** A part's presigned PUT; each signing gets a new version (`v`). */
function partGrant(state: FakeState, n: number, expiresIn = 300_000) {
  const { signatures, partSize, intent, base } = state;
  const version = (signatures.get(n) ?? 0) + 1;
  signatures.set(n, version);
  const size = Math.min(partSize, (intent?.size ?? 0) - (n - 1) * partSize);
  return {
    partNumber: n,
    size,
    url: `${base}/storage/${n}?v=${version}`,
    method: "PUT",
    headers: { "Content-Length": String(size) },
    expiresAt: new Date(Date.now() + expiresIn).toISOString(),
  };
}

/** `1,2,5-9` → [1, 2, 5, 6, 7, 8, 9]. */
export function parseRanges(text: string): number[] {
  return text.split(",").flatMap((range) => {
    const [start, end] = range.split("-").map(Number) as [number, number | undefined];
    return end === undefined
      ? [start]
      : Array.from({ length: end - start + 1 }, (_, i) => start + i);
  });
}
