/**
 * A server for a benchmark, in its own process so that its work does not share the measured
 * process's event loop: `node --import tsx bench/lib/server-main.ts <kind>`. Prints
 * `{"endpoint": ...}` once it listens, and stops on SIGTERM or when its stdin closes.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDynamo } from "../../packages/local/src/dynamodb";
import { startS3 } from "../../packages/local/src/s3/emulator";
import { BENCH } from "./environment";
import { ATTESTATION_HEADER, attestationFor, GRANT_HEADER, grantIdFor } from "./grants";
import { FIXED_OBJECT, FIXED_REDIRECT, type ServerKind } from "./servers";

async function start(kind: ServerKind): Promise<{ endpoint: string; stop(): Promise<void> }> {
  switch (kind) {
    case "dynalite":
    case "dynamodb-local":
      return startDynamo({ engine: kind === "dynalite" ? "dynalite" : "local", port: 0 });
    case "s3": {
      const directory = await mkdtemp(join(tmpdir(), "filegate-bench-s3-"));
      const s3 = await startS3({ port: 0, directory, bucket: BENCH.bucket });
      return {
        endpoint: s3.endpoint,
        async stop() {
          await s3.stop();
          await rm(directory, { recursive: true, force: true });
        },
      };
    }
    case "head":
      // What S3 answers to HeadObject, always the same object, uploaded with the write grant
      // of its key: the subscriber's cost without an emulator's disk work.
      return listen((req, res) => {
        const objectKey = objectKeyOf(req.url ?? "");
        res.writeHead(200, {
          [GRANT_HEADER]: grantIdFor(objectKey),
          [ATTESTATION_HEADER]: attestationFor(objectKey),
          "Content-Type": FIXED_OBJECT.contentType,
          "Content-Length": String(FIXED_OBJECT.size),
          ETag: `"${FIXED_OBJECT.etag}"`,
          "Last-Modified": "Wed, 25 Nov 2026 12:00:00 GMT",
          "Accept-Ranges": "bytes",
          "x-amz-request-id": "BENCHREQUEST0001",
          Server: "AmazonS3",
        });
        res.end();
      });
    case "redirect":
      // The least an HTTP server can do for a redirect: a fixed 307, nothing checked.
      return listen((_req, res) => {
        res.writeHead(307, {
          Location: FIXED_REDIRECT,
          "Cache-Control": "no-store",
          "Content-Length": "0",
        });
        res.end();
      });
  }
}

/** The object key of a path-style request to the benchmark bucket: `/<bucket>/<key>?...`. */
function objectKeyOf(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.slice(`/${BENCH.bucket}/`.length).split("/").map(decodeURIComponent).join("/");
}

function listen(handle: Parameters<typeof createServer>[1]) {
  const server = createServer(handle);
  server.listen(0, "127.0.0.1");
  return once(server, "listening").then(() => ({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }));
}

const kind = process.argv[2] as ServerKind;
const server = await start(kind);
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`);
const stop = () => {
  server.stop().finally(() => process.exit(0));
};
process.once("SIGTERM", stop);
// The benchmark holds our stdin open: when it ends, however it ends, so does this server.
process.stdin.once("close", stop).resume();
