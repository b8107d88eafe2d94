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

export async function startFakeFilegate(options: FakeOptions): Promise<FakeFilegate> {
  const requests: Recorded[] = [];
  const stored = new Map<number, Buffer>();
  const failures = { ...options.failures };
  const signatures = new Map<number, number>();
  const statuses = [...(options.statuses ?? ["committed"])];
  let intent: { key: string; size: number; contentType: string } | undefined;
  let base = "";

  const partSize = options.partSize ?? 64;
  const partCount = () => Math.ceil((intent?.size ?? 0) / partSize);
  const partGrant = (n: number, expiresIn = 300_000) => {
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
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", base);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const record: Recorded = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(record);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json", "Apigw-Requestid": "req-1" });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, details?: Record<string, unknown>) =>
      json(status, { error: { code, message: `fake ${code}`, details }, requestId: "req-1" });

    if (url.pathname.startsWith("/storage/")) {
      if (req.headers.authorization) {
        res.writeHead(400).end("<Error><Code>InvalidArgument</Code></Error>");
        return;
      }
      const n = Number(url.pathname.split("/")[2]);
      if (Number(req.headers["content-length"]) !== record.body.length) {
        res.writeHead(400).end("<Error><Code>IncompleteBody</Code></Error>");
        return;
      }
      if ((failures[n] ?? 0) > 0) {
        failures[n] = (failures[n] ?? 0) - 1;
        res.writeHead(500).end("<Error><Code>InternalError</Code><Message>boom</Message></Error>");
        return;
      }
      if (options.expired?.includes(n) && url.searchParams.get("v") === "1") {
        res
          .writeHead(403, { "x-amz-request-id": "s3-req" })
          .end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
        return;
      }
      stored.set(n, record.body);
      const etag = `"${createHash("md5").update(record.body).digest("hex")}"`;
      res.writeHead(200, { ETag: etag }).end();
      return;
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || (options.tokens && !options.tokens.includes(token))) {
      res.writeHead(401, { "Content-Type": "application/json", "WWW-Authenticate": "Bearer" });
      res.end(JSON.stringify({ message: "Unauthorized" }));
      return;
    }

    if (req.method === "POST" && url.pathname === "/uploads") {
      if (options.refuse)
        return error(options.refuse.status, options.refuse.code, options.refuse.details);
      if (options.intents === 404) return error(404, "not_found");
      if (options.intents === 405) return error(405, "method_not_allowed");
      intent = JSON.parse(record.body.toString("utf8"));
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
      const first = Math.min(options.firstParts ?? 100, 100, partCount());
      return json(201, {
        ...common,
        method: "multipart",
        partSize,
        partCount: partCount(),
        parts: Array.from({ length: first }, (_, i) =>
          partGrant(i + 1, options.expiring?.includes(i + 1) ? 30_000 : 300_000),
        ),
      });
    }
    if (req.method === "GET" && url.pathname === `/uploads/${ID}/parts`) {
      const numbers = parseRanges(url.searchParams.get("numbers") ?? "");
      if (numbers.length > 100) return error(400, "bad_request");
      return json(200, { parts: numbers.map((n) => partGrant(n)) });
    }
    if (req.method === "POST" && url.pathname === `/uploads/${ID}/complete`) {
      return json(200, { id: ID, key: intent?.key, size: intent?.size, etag: "final-etag-2" });
    }
    if (req.method === "DELETE" && url.pathname === `/uploads/${ID}`) {
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && url.pathname === `/uploads/${ID}`) {
      const status = statuses.length > 1 ? statuses.shift() : statuses[0];
      return json(200, { id: ID, ...intent, method: options.intents, status, expiresAt: "" });
    }
    if (req.method === "PUT" && url.pathname.startsWith("/files/")) {
      const headers: Record<string, string> = {};
      if (req.headers["content-type"]) headers["Content-Type"] = req.headers["content-type"];
      if (req.headers["if-none-match"]) headers["If-None-Match"] = "*";
      return json(200, { url: `${base}/storage/0`, method: "PUT", headers, expiresAt: "" });
    }
    if (req.method === "HEAD" && url.pathname.startsWith("/files/")) {
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
      return;
    }
    error(404, "not_found");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((failure) => {
      res.writeHead(500).end(String(failure));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
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

/** `1,2,5-9` → [1, 2, 5, 6, 7, 8, 9]. */
export function parseRanges(text: string): number[] {
  return text.split(",").flatMap((range) => {
    const [start, end] = range.split("-").map(Number) as [number, number | undefined];
    return end === undefined
      ? [start]
      : Array.from({ length: end - start + 1 }, (_, i) => start + i);
  });
}
