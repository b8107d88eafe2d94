import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Filegate, type TransferProgress } from "@filegate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFor } from "./helpers/in-process";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

/**
 * The client's multipart path against real storage: the local stack's S3 emulator, which
 * verifies SigV4 signatures, with part URLs that sign Content-Length as upload intents do.
 * The API has no upload intents yet (POST /uploads), so a stand-in serves that contract here,
 * presigning with the AWS SDK; the finished object reaches the stack's index through S3's
 * event, and is read back through the real API.
 */
let stack: RunningStack;
let s3: S3Client;
let intents: Server;
let intentsUrl: string;
const calls: string[] = [];

const PART_SIZE = 5 * 1024 * 1024; // S3's smallest part (but the last)

beforeAll(async () => {
  stack = await startStack();
  s3 = s3ClientFor(stack.state);
  intents = createServer((req, res) => {
    serveIntents(req, res).catch((error) => {
      res.writeHead(500).end(String(error));
    });
  });
  intents.listen(0, "127.0.0.1");
  await once(intents, "listening");
  intentsUrl = `http://127.0.0.1:${(intents.address() as AddressInfo).port}`;
});
afterAll(async () => {
  intents?.close();
  s3?.destroy();
  await stack?.stop();
});

const uploads = new Map<string, { key: string; objectKey: string; size: number }>();

async function serveIntents(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", intentsUrl);
  calls.push(`${req.method} ${url.pathname}${url.search}`);
  let body = "";
  for await (const chunk of req) body += chunk;
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(value));
  };
  const bucket = stack.state.bucket;
  const [, , id, action] = url.pathname.split("/");
  const upload = uploads.get(id ?? "");

  if (req.method === "POST" && url.pathname === "/uploads") {
    const { key, size, contentType } = JSON.parse(body);
    const objectKey = `tenants/acme/${key}`;
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: objectKey,
        ContentType: contentType,
      }),
    );
    const uploadId = created.UploadId as string;
    uploads.set(uploadId, { key, objectKey, size });
    const partCount = Math.ceil(size / PART_SIZE);
    // Only the first two parts here: the client must ask for the others.
    const parts = await Promise.all(
      Array.from({ length: Math.min(2, partCount) }, (_, i) => signPart(uploadId, i + 1)),
    );
    return json(201, {
      id: uploadId,
      key,
      size,
      contentType,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      method: "multipart",
      partSize: PART_SIZE,
      partCount,
      parts,
    });
  }
  if (!upload) return json(404, { error: { code: "not_found", message: "No such upload" } });
  if (req.method === "GET" && action === "parts") {
    const numbers = (url.searchParams.get("numbers") ?? "").split(",").flatMap((range) => {
      const [from, to = from] = range.split("-").map(Number) as [number, number?];
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
    return json(200, { parts: await Promise.all(numbers.map((n) => signPart(id as string, n))) });
  }
  if (req.method === "POST" && action === "complete") {
    const { parts } = JSON.parse(body) as { parts: { partNumber: number; etag: string }[] };
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.objectKey,
        UploadId: id,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
    return json(200, { id, key: upload.key, size: upload.size, etag: done.ETag });
  }
  if (req.method === "DELETE" && !action) {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.objectKey, UploadId: id }),
    );
    res.writeHead(204).end();
    return;
  }
  json(404, { error: { code: "not_found", message: "No route" } });
}

/** A presigned UploadPart with Content-Length signed in: storage refuses any other length. */
async function signPart(uploadId: string, partNumber: number) {
  const upload = uploads.get(uploadId);
  if (!upload) throw new Error(`no upload ${uploadId}`);
  const size = Math.min(PART_SIZE, upload.size - (partNumber - 1) * PART_SIZE);
  const url = await getSignedUrl(
    s3,
    new UploadPartCommand({
      Bucket: stack.state.bucket,
      Key: upload.objectKey,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: size,
    }),
    { expiresIn: 300, signableHeaders: new Set(["content-length"]) },
  );
  expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
  return {
    partNumber,
    size,
    url,
    method: "PUT",
    headers: { "Content-Length": String(size) },
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
  };
}

describe("multipart uploads against the S3 emulator", () => {
  it("streams signed-length parts, completes, and the object reaches the index intact", async () => {
    const data = randomBytes(3 * PART_SIZE + 12345);
    const client = new Filegate({ baseUrl: intentsUrl, token: "unused-by-the-stand-in" });
    const events: TransferProgress[] = [];
    const result = await client.upload("parts/big.bin", data, {
      contentType: "application/x-test",
      partConcurrency: 2,
      onProgress: (progress) => events.push(progress),
    });

    expect(result).toMatchObject({ method: "multipart", size: data.length });
    expect(calls.filter((call) => call.includes("/parts"))).toEqual([
      expect.stringMatching(/^GET \/uploads\/.+\/parts\?numbers=3-4$/),
    ]);
    expect(events.at(-1)).toEqual({
      key: "parts/big.bin",
      loaded: data.length,
      total: data.length,
    });
    expect(events.length).toBeGreaterThan(200); // every 64 KiB of every part

    // S3's completion event feeds the index; the real API then serves the file.
    const api = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: await stack.token("acme", "alice"),
    });
    const info = await eventually(() => api.head("parts/big.bin").catch(() => undefined));
    expect(info).toMatchObject({ size: data.length, contentType: "application/x-test" });
    const bytes = await api.downloadBytes("parts/big.bin");
    const digest = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(digest(bytes)).toBe(digest(data));
  });
});
