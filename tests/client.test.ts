import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  BadRequestError,
  Filegate,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  type TransferProgress,
  UnauthorizedError,
} from "@filegate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedFetch } from "./helpers/openapi";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

/**
 * The client library against the local stack, over HTTP. Until the API has upload intents
 * (POST /uploads answers 404 here), uploads take the JSON form of PUT /files/{key}.
 */
let stack: RunningStack;
let client: Filegate;
let scratch: string;

beforeAll(async () => {
  stack = await startStack();
  client = new Filegate({
    baseUrl: stack.state.apiUrl,
    token: await stack.token("acme", "alice"),
    // Every answer of the API is checked against the OpenAPI document.
    fetch: checkedFetch(stack.state.apiUrl),
  });
  scratch = await mkdtemp(join(tmpdir(), "filegate-client-"));
});
afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("uploads and downloads", () => {
  it("uploads from bytes, a Blob, a Node stream, a web stream and a file, and reads each back", async () => {
    const path = join(scratch, "from-disk.txt");
    await writeFile(path, "from a file");
    const sources = [
      { key: "src/buffer.bin", source: Buffer.from("from a Buffer"), text: "from a Buffer" },
      {
        key: "src/blob.txt",
        source: new Blob(["from a Blob"], { type: "text/plain" }),
        text: "from a Blob",
      },
      {
        key: "src/node-stream.txt",
        source: Readable.from(["from a ", "Node stream"]),
        size: 18,
        text: "from a Node stream",
      },
      {
        key: "src/web-stream.txt",
        source: new Blob(["from a web stream"]).stream(),
        text: "from a web stream",
      },
      { key: "src/file.txt", source: { path }, text: "from a file" },
    ];
    for (const { key, source, size, text } of sources) {
      const result = await client.upload(key, source, { size, wait: true });
      expect(result, key).toMatchObject({
        key,
        size: text.length,
        method: "single",
        indexed: true,
      });
      expect(new TextDecoder().decode(await client.downloadBytes(key)), key).toBe(text);
    }
    expect((await client.head("src/blob.txt")).contentType).toBe("text/plain");
    expect((await client.head("src/buffer.bin")).contentType).toBe("application/octet-stream");

    const download = await client.download("src/file.txt");
    expect(download).toMatchObject({
      key: "src/file.txt",
      size: 11,
      contentType: "application/octet-stream",
    });
    expect(await new Response(download.body).text()).toBe("from a file");

    const target = join(scratch, "back.txt");
    const info = await client.downloadToFile("src/node-stream.txt", target);
    expect(info.size).toBe(18);
    expect(await readFile(target, "utf8")).toBe("from a Node stream");
  });

  it("uploads 50 MB with progress events that reach 100%, and the bytes come back intact", async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const events: TransferProgress[] = [];
    const result = await client.upload("big/50mb.bin", data, {
      onProgress: (progress) => events.push(progress),
      wait: true,
    });
    expect(result).toMatchObject({ size: data.length, indexed: true });

    expect(events.length).toBeGreaterThan(100); // counted in 64 KiB pieces as the body streams
    expect(events.every((event) => event.total === data.length)).toBe(true);
    const loaded = events.map((event) => event.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(events.at(-1)).toEqual({ key: "big/50mb.bin", loaded: data.length, total: data.length });
    expect(loaded.filter((bytes) => bytes === data.length)).toHaveLength(1);

    const head = await client.head("big/50mb.bin");
    expect(head).toMatchObject({ size: data.length, etag: result.etag });
    const downloaded: TransferProgress[] = [];
    const bytes = await client.downloadBytes("big/50mb.bin", {
      onProgress: (progress) => downloaded.push(progress),
    });
    expect(sha256(bytes)).toBe(sha256(data));
    expect(downloaded.at(-1)).toEqual({
      key: "big/50mb.bin",
      loaded: data.length,
      total: data.length,
    });
    await client.delete("big/50mb.bin", { wait: true });
  });

  it("deletes, and waits until the index has dropped the file", async () => {
    await client.upload("gone.txt", new Blob(["bye"]), { wait: true });
    await client.delete("gone.txt", { wait: true });
    await expect(client.head("gone.txt")).rejects.toBeInstanceOf(NotFoundError);
    expect((await client.list({ prefix: "gone" }).toArray()).map((f) => f.key)).toEqual([]);
  });
});

describe("listing", () => {
  it("iterates every page of a long listing, in key order", async () => {
    const keys = Array.from(
      { length: 150 },
      (_, i) => `many/file-${String(i).padStart(3, "0")}.txt`,
    );
    const queue = [...keys];
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        await client.upload(key, new Blob([key]), { contentType: "text/plain" });
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    // S3 events reach the index within moments of the uploads.
    await eventually(async () =>
      (await client.list({ prefix: "many/", pageSize: 1000 }).toArray()).length === keys.length
        ? true
        : undefined,
    );

    let pages = 0;
    const listed: string[] = [];
    for await (const page of client.list({ prefix: "many/", pageSize: 7 }).pages()) {
      pages++;
      listed.push(...page.items.map((item) => item.key));
      expect(page.items.length).toBeLessThanOrEqual(7);
    }
    expect(listed).toEqual(keys);
    expect(pages).toBe(Math.ceil(keys.length / 7));

    const all: string[] = [];
    for await (const file of client.list({ prefix: "many/file-1", pageSize: 9 }))
      all.push(file.key);
    expect(all).toEqual(keys.filter((key) => key.startsWith("many/file-1")));
  });
});

describe("typed errors", () => {
  it("401 for a token the API does not accept", async () => {
    const stranger = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: "not-a-jwt",
      fetch: checkedFetch(stack.state.apiUrl),
    });
    const error = await stranger
      .list()
      .toArray()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({
      status: 401,
      code: "unauthorized",
      requestId: expect.any(String),
    });
  });

  it("403 for reading every tenant's audit trail without the scope", async () => {
    const error = await client
      .audit({ tenant: "*" })
      .toArray()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ status: 403, code: "forbidden", source: "api" });
  });

  it("404 for a file the tenant does not hold: head, download and delete", async () => {
    await client.upload("acme-only.txt", new Blob(["mine"]), { wait: true });
    const globex = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: await stack.token("globex", "mallory"),
    });
    for (const attempt of [
      () => globex.head("acme-only.txt"),
      () => globex.downloadBytes("acme-only.txt"),
      () => globex.delete("acme-only.txt"),
      () => client.head("missing.txt"),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({
        status: 404,
        code: "not_found",
        requestId: expect.any(String),
      });
    }
    expect((await client.head("acme-only.txt")).size).toBe(4);
  });

  it("412 for a create-only upload of a key that exists", async () => {
    await client.upload("once.txt", new Blob(["first"]), { createOnly: true, wait: true });
    const error = await client
      .upload("once.txt", new Blob(["second"]), { createOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ status: 412, code: "precondition_failed" });
    expect(new TextDecoder().decode(await client.downloadBytes("once.txt"))).toBe("first");
  });

  it("400 with the API's reason for a key it refuses", async () => {
    const error = await client.downloadBytes("bad\u0001key").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_key" });
    // Keys that fetch would rewrite (dot segments) are refused before anything is sent.
    await expect(client.delete("a/../acme-only.txt")).rejects.toMatchObject({
      code: "invalid_key",
      source: "client",
    });
    expect((await client.head("acme-only.txt")).size).toBe(4);
  });

  it("usage() reports the tenant's usage, or NotFoundError where the API has no /usage", async () => {
    const usage = await client.usage().catch((e: unknown) => e);
    if (usage instanceof Error) {
      expect(usage).toBeInstanceOf(NotFoundError);
    } else {
      expect(usage).toMatchObject({ tenant: "acme", used: { bytes: expect.any(Number) } });
    }
  });
});

describe("history and audit", () => {
  it("shows who wrote, read and deleted a file, oldest first", async () => {
    await client.upload("audited.txt", new Blob(["a"]), { wait: true });
    await client.downloadBytes("audited.txt");
    await client.delete("audited.txt", { wait: true });
    // The journal records S3's delete event alongside the index update, not before it.
    const history = await eventually(async () => {
      const records = await client.history("audited.txt").toArray();
      return records.length === 5 ? records : undefined;
    });
    expect(history.map((r) => `${r.kind}:${r.action}:${r.actor}`)).toEqual([
      "grant:write:alice",
      "event:write:alice",
      "grant:read:alice",
      "grant:delete:alice",
      "event:delete:alice",
    ]);
    const deletes = await client
      .audit({ action: "delete", from: new Date(Date.now() - 60_000), pageSize: 1 })
      .toArray();
    expect(deletes.some((r) => r.key === "audited.txt" && r.kind === "event")).toBe(true);
    expect(deletes.every((r) => r.action === "delete" && r.tenant === "acme")).toBe(true);
  });
});
