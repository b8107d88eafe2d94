import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  Filegate,
  PayloadTooLargeError,
  PreconditionFailedError,
  StorageError,
  TimeoutError,
  type TransferProgress,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "./index";
import {
  type FakeFilegate,
  type FakeOptions,
  parseRanges,
  startFakeFilegate,
} from "./testing/fake-filegate";

/**
 * The upload paths against a fake API that speaks the upload-intent contract: multipart
 * sequencing, part URL batches, retries, re-signing, aborts and the fallback to PUT /files.
 */
let fake: FakeFilegate;

async function setup(options: FakeOptions) {
  fake = await startFakeFilegate(options);
  return new Filegate({ baseUrl: fake.url, token: "t0ken" });
}

afterEach(async () => {
  await fake?.close();
});

const apiRequests = (method: string, path: string) =>
  fake.requests.filter((r) => r.method === method && r.path === path);

function recorder() {
  const events: TransferProgress[] = [];
  return { events, onProgress: (p: TransferProgress) => events.push({ ...p }) };
}

describe("multipart uploads", () => {
  it("uploads every part, signs the rest in batches of at most 100 and completes in order", async () => {
    const client = await setup({ intents: "multipart", partSize: 64 });
    const data = randomBytes(64 * 229 + 10); // 230 parts, the last one short
    const progress = recorder();
    const result = await client.upload("big.bin", data, { ...progress, partConcurrency: 5 });

    expect(result).toMatchObject({
      method: "multipart",
      uploadId: "up-1",
      size: data.length,
      etag: "final-etag-2",
    });
    expect(fake.object().equals(data)).toBe(true);

    const [created] = apiRequests("POST", "/uploads");
    expect(JSON.parse(created?.body.toString() ?? "")).toEqual({
      key: "big.bin",
      size: data.length,
      contentType: "application/octet-stream",
    });
    const batches = apiRequests("GET", "/uploads/up-1/parts").map((r) =>
      parseRanges(r.query.get("numbers") ?? ""),
    );
    expect(batches.every((batch) => batch.length <= 100)).toBe(true);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(
      Array.from({ length: 130 }, (_, i) => i + 101),
    );

    const [complete] = apiRequests("POST", "/uploads/up-1/complete");
    const parts = JSON.parse(complete?.body.toString() ?? "").parts as {
      partNumber: number;
      etag: string;
    }[];
    expect(parts.map((p) => p.partNumber)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    // ETags go back exactly as storage gave them, quotes included.
    expect(parts.every((p) => /^"[0-9a-f]{32}"$/.test(p.etag))).toBe(true);

    expect(fake.storageRequests().every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(progress.events.at(-1)).toEqual({
      key: "big.bin",
      loaded: data.length,
      total: data.length,
    });
    expect(progress.events.filter((e) => e.loaded === e.total)).toHaveLength(1);
  });

  it("retries parts that fail and re-signs parts refused as expired", async () => {
    const client = await setup({
      intents: "multipart",
      partSize: 100,
      failures: { 3: 2 },
      expired: [5],
    });
    const data = randomBytes(1000);
    const result = await client.upload("retry.bin", data, { retries: 3 });

    expect(result.method).toBe("multipart");
    expect(fake.object().equals(data)).toBe(true);
    const attempts = (n: number) =>
      fake.storageRequests().filter((r) => r.path === `/storage/${n}`);
    expect(attempts(3)).toHaveLength(3);
    expect(attempts(5).map((r) => r.query.get("v"))).toEqual(["1", "2"]);
    const resigned = apiRequests("GET", "/uploads/up-1/parts").map((r) => r.query.get("numbers"));
    expect(resigned).toEqual(["5"]);
    expect(apiRequests("DELETE", "/uploads/up-1")).toHaveLength(0);
  });

  it("re-signs part URLs that are about to expire before using them", async () => {
    const client = await setup({ intents: "multipart", partSize: 100, expiring: [2, 4] });
    const data = randomBytes(500);
    await client.upload("soon.bin", data, { partConcurrency: 1 });

    const signed = apiRequests("GET", "/uploads/up-1/parts").flatMap((r) =>
      parseRanges(r.query.get("numbers") ?? ""),
    );
    expect(signed.sort()).toEqual([2, 4]);
    // Every part went out once, each with a URL that was fresh when used.
    const versions = fake.storageRequests().map((r) => `${r.path}?v=${r.query.get("v")}`);
    expect(versions.sort()).toEqual([
      "/storage/1?v=1",
      "/storage/2?v=2",
      "/storage/3?v=1",
      "/storage/4?v=2",
      "/storage/5?v=1",
    ]);
  });

  it("aborts the intent and throws the storage error when a part keeps failing", async () => {
    const client = await setup({ intents: "multipart", partSize: 100, failures: { 2: 99 } });
    const error = await client
      .upload("doomed.bin", randomBytes(1000), { retries: 2 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ status: 500, code: "InternalError", source: "storage" });
    expect(fake.storageRequests().filter((r) => r.path === "/storage/2")).toHaveLength(3);
    expect(apiRequests("DELETE", "/uploads/up-1")).toHaveLength(1);
    expect(apiRequests("POST", "/uploads/up-1/complete")).toHaveLength(0);
  });

  it("reads a stream source part by part", async () => {
    const client = await setup({ intents: "multipart", partSize: 1000 });
    const data = randomBytes(4500);
    const chunks = Array.from({ length: 45 }, (_, i) => data.subarray(i * 100, i * 100 + 100));
    await client.upload("stream.bin", Readable.from(chunks), { size: data.length });
    expect(fake.object().equals(data)).toBe(true);
  });

  it("refuses a stream that is longer than the size given, and aborts", async () => {
    const client = await setup({ intents: "multipart", partSize: 1000 });
    const error = await client
      .upload("long.bin", Readable.from([randomBytes(2500)]), { size: 2000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "size_mismatch" });
    expect(apiRequests("DELETE", "/uploads/up-1")).toHaveLength(1);
    expect(apiRequests("POST", "/uploads/up-1/complete")).toHaveLength(0);
  });

  it("stops and aborts the intent when the caller aborts", async () => {
    const client = await setup({ intents: "multipart", partSize: 100, failures: { 1: 99 } });
    const controller = new AbortController();
    const upload = client.upload("cancel.bin", randomBytes(1000), {
      signal: controller.signal,
      retries: 50,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(upload).rejects.toBeInstanceOf(AbortError);
    expect(apiRequests("DELETE", "/uploads/up-1")).toHaveLength(1);
  });
});

describe("single uploads through an intent", () => {
  it("sends exactly the presigned headers, without the token, and reports 100%", async () => {
    const client = await setup({ intents: "single" });
    const progress = recorder();
    const data = randomBytes(300_000);
    const result = await client.upload(
      "one.bin",
      new Blob([data], { type: "image/png" }),
      progress,
    );

    expect(result).toMatchObject({ method: "single", uploadId: "up-1", contentType: "image/png" });
    const [put] = fake.storageRequests();
    expect(put?.headers).toMatchObject({
      "content-type": "image/png",
      "content-length": String(data.length),
      "x-amz-meta-intent": "up-1",
    });
    expect(put?.headers.authorization).toBeUndefined();
    expect(fake.object().equals(data)).toBe(true);
    // Counted in 64 KiB pieces as the body streams, then 100% once storage has answered.
    expect(progress.events.length).toBeGreaterThanOrEqual(5);
    expect(progress.events.at(-1)?.loaded).toBe(data.length);
  });

  it("waits until the intent is committed", async () => {
    const client = await setup({
      intents: "single",
      statuses: ["pending", "pending", "committed"],
    });
    const result = await client.upload("w.txt", new Blob(["x"]), { wait: { intervalMs: 5 } });
    expect(result.indexed).toBe(true);
    expect(apiRequests("GET", "/uploads/up-1")).toHaveLength(3);
  });

  it("says the upload succeeded when the wait for the index times out", async () => {
    const client = await setup({ intents: "single", statuses: ["pending"] });
    const error = await client
      .upload("slow.txt", new Blob(["x"]), { wait: { timeoutMs: 100, intervalMs: 10 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/^slow\.txt was uploaded, but the index did not/);
    expect(fake.object().toString()).toBe("x");
  });

  it("fails the wait when the upload is quarantined", async () => {
    const client = await setup({ intents: "single", statuses: ["pending", "quarantined"] });
    await expect(
      client.upload("q.txt", new Blob(["x"]), { wait: { intervalMs: 5 } }),
    ).rejects.toMatchObject({ code: "upload_quarantined" });
  });
});

describe("without upload intents", () => {
  it.each([404, 405] as const)(
    "falls back to PUT /files when POST /uploads answers %i, and remembers",
    async (status) => {
      const client = await setup({ intents: status });
      await client.upload("a b/c+d.txt", new Blob(["hello"]), {
        contentType: "text/plain",
        createOnly: true,
      });
      await client.upload("second.txt", new Uint8Array([1, 2, 3]));

      expect(apiRequests("POST", "/uploads")).toHaveLength(1);
      const grants = fake.requests.filter(
        (r) => r.method === "PUT" && r.path.startsWith("/files/"),
      );
      expect(grants.map((r) => r.path)).toEqual(["/files/a%20b/c%2Bd.txt", "/files/second.txt"]);
      expect(grants[0]?.headers).toMatchObject({
        "content-type": "text/plain",
        "if-none-match": "*",
        accept: "application/json",
      });
      const [first] = fake.storageRequests();
      expect(first?.headers).toMatchObject({ "content-type": "text/plain", "if-none-match": "*" });
      expect(first?.headers.authorization).toBeUndefined();
    },
  );

  it("retries a failed single PUT of re-readable content", async () => {
    const client = await setup({ intents: 404, failures: { 0: 1 } });
    await client.upload("again.txt", new Blob(["again"]));
    expect(fake.storageRequests()).toHaveLength(2);
    expect(fake.object().toString()).toBe("again");
  });

  it("waits for the index to report the uploaded ETag", async () => {
    const client = await setup({ intents: 404 });
    const result = await client.upload("w.txt", new Blob(["x"]), { wait: true });
    expect(result).toMatchObject({ indexed: true, method: "put" });
    expect(fake.requests.filter((r) => r.method === "HEAD")).toHaveLength(1);
  });
});

describe("typed errors from POST /uploads", () => {
  it("maps 412, 413 (with details) and 415", async () => {
    const cases = [
      { status: 412, code: "precondition_failed", type: PreconditionFailedError },
      { status: 413, code: "quota_exceeded", type: PayloadTooLargeError },
      { status: 415, code: "unsupported_media_type", type: UnsupportedMediaTypeError },
    ];
    for (const { status, code, type } of cases) {
      const details = { limit: 10, used: 8, reserved: 1, requested: 5 };
      const client = await setup({ intents: "single", refuse: { status, code, details } });
      const error = await client
        .upload("x.bin", new Blob(["12345"]), { createOnly: true })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ status, code, requestId: "req-1", details, source: "api" });
      const [created] = apiRequests("POST", "/uploads");
      expect(JSON.parse(created?.body.toString() ?? "")).toMatchObject({ ifNoneMatch: "*" });
      await fake.close();
    }
  });

  it("asks getToken again after a 401 and retries once", async () => {
    fake = await startFakeFilegate({ intents: "single", tokens: ["fresh"] });
    const tokens = ["stale", "fresh"];
    const client = new Filegate({ baseUrl: fake.url, getToken: () => tokens.shift() ?? "none" });
    await client.upload("t.txt", new Blob(["t"]));
    expect(apiRequests("POST", "/uploads").map((r) => r.headers.authorization)).toEqual([
      "Bearer stale",
      "Bearer fresh",
    ]);

    const refused = new Filegate({ baseUrl: fake.url, token: "wrong" });
    const error = await refused.upload("t.txt", new Blob(["t"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ status: 401, code: "unauthorized", message: "Unauthorized" });
  });
});
