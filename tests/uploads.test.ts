import { createHash } from "node:crypto";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { TenantAccounts } from "@filegate/core/accounts";
import { parseKeyring } from "@filegate/core/attest";
import { AuditLog } from "@filegate/core/audit";
import { FileIndex } from "@filegate/core/files";
import { createPresigner, s3ObjectStorage } from "@filegate/core/storage";
import type { TenantId } from "@filegate/core/tenancy";
import { UploadIntents, UploadService } from "@filegate/core/uploads";
import type { LocalStack } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { checkedFetch } from "./helpers/openapi";

const MIB = 1024 * 1024;
let stack: LocalStack;
let api: string;
let admin: Record<string, string>;
/** Every answer of the API is checked against the OpenAPI document. */
let apiFetch: typeof fetch;

async function bearer(tenant: string, sub = "uploader", scope?: string) {
  return { Authorization: `Bearer ${await stack.token({ tenant, sub, scope })}` };
}

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const response = await apiFetch(`${api}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

type Signed = { url: string; method: string; headers: Record<string, string> };
async function send(signed: Signed, body: Uint8Array | string) {
  return fetch(signed.url, {
    method: signed.method,
    headers: signed.headers,
    body: new Blob([body]),
  });
}

async function setLimits(tenant: string, limits: Record<string, unknown>) {
  const response = await call("PUT", `/tenants/${tenant}/limits`, admin, limits);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

async function usage(tenant: string) {
  return (await call("GET", "/usage", await bearer(tenant))).body as {
    used: { bytes: number; objects: number };
    reserved: { bytes: number; objects: number };
    limits: Record<string, unknown>;
  };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("condition not met");
}

beforeAll(async () => {
  process.env.FILEGATE_MULTIPART_THRESHOLD = String(6 * MIB);
  process.env.FILEGATE_PART_SIZE = String(5 * MIB);
  stack = await startInProcessStack({ jobIntervalMs: 0 });
  api = stack.state.apiUrl;
  apiFetch = checkedFetch(api);
  admin = await bearer("ops", "admin", "tenants:admin");
});
afterAll(async () => {
  await stack?.stop();
});

describe("single-request upload intents", () => {
  it("sign exact length, type and checksum, and the file arrives with its size and type", async () => {
    const body = "x".repeat(1000);
    const sha256 = createHash("sha256").update(body).digest("base64");
    const auth = await bearer("alpha");
    const created = await call("POST", "/uploads", auth, {
      key: "docs/a.txt",
      size: 1000,
      contentType: "text/plain",
      sha256,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      method: "single",
      key: "docs/a.txt",
      size: 1000,
      contentType: "text/plain",
    });
    const upload = created.body.upload as Signed;
    expect(upload.headers).toEqual({
      "Content-Type": "text/plain",
      "Content-Length": "1000",
      "x-amz-checksum-sha256": sha256,
    });
    expect(new URL(upload.url).searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-length;content-type;host;x-amz-checksum-sha256",
    );

    expect((await send(upload, body)).status).toBe(200);
    await stack.bridge.idle();
    const status = await call("GET", `/uploads/${created.body.id}`, auth);
    expect(status.body).toMatchObject({ status: "committed" });
    const head = await apiFetch(`${api}/files/docs/a.txt`, { method: "HEAD", headers: auth });
    expect(head.headers.get("content-length")).toBe("1000");
    expect(head.headers.get("content-type")).toBe("text/plain");
  });

  it("let storage refuse a body of another size or type than the intent's", async () => {
    const auth = await bearer("alpha");
    const created = await call("POST", "/uploads", auth, {
      key: "big.bin",
      size: MIB,
      contentType: "application/octet-stream",
    });
    const upload = created.body.upload as Signed;
    const tooBig = new Uint8Array(2 * MIB);
    const refused = await fetch(upload.url, {
      method: "PUT",
      headers: { ...upload.headers, "Content-Length": String(tooBig.length) },
      body: new Blob([tooBig]),
    });
    expect(refused.status).toBe(403);
    const wrongType = await fetch(upload.url, {
      method: "PUT",
      headers: { ...upload.headers, "Content-Type": "text/html" },
      body: new Blob([new Uint8Array(MIB)]),
    });
    expect(wrongType.status).toBe(403);
    expect(await listKeys(api, auth)).not.toContain("big.bin");
  });

  it("refuse what the tenant's limits forbid: too large (413), a type not allowed (415)", async () => {
    await setLimits("beta", {
      maxObjectBytes: 1000,
      allowedContentTypes: ["image/*", "application/pdf"],
    });
    const auth = await bearer("beta");
    const tooLarge = await call("POST", "/uploads", auth, {
      key: "a.png",
      size: 1001,
      contentType: "image/png",
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatchObject({
      code: "too_large",
      details: { limit: 1000, requested: 1001 },
    });
    const wrongType = await call("POST", "/uploads", auth, {
      key: "a.exe",
      size: 10,
      contentType: "application/x-msdownload",
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe("unsupported_media_type");
    expect(
      (await call("POST", "/uploads", auth, { key: "a.png", size: 10, contentType: "image/png" }))
        .status,
    ).toBe(201);
    // The plain PUT route refuses a type the tenant may not store, too.
    const put = await apiFetch(`${api}/files/b.html`, {
      method: "PUT",
      headers: { ...auth, "Content-Type": "text/html" },
      redirect: "manual",
    });
    expect(put.status).toBe(415);
  });

  it("validate the request body", async () => {
    const auth = await bearer("alpha");
    for (const body of [
      {},
      { key: "a", size: -1, contentType: "text/plain" },
      { key: "a", size: 1.5, contentType: "text/plain" },
      { key: "a", size: 1, contentType: "not a type" },
      { key: "a/../b", size: 1, contentType: "text/plain" },
      { key: "a", size: 1, contentType: "text/plain", sha256: "abc" },
      { key: "a", size: 1, contentType: "text/plain", ifNoneMatch: "etag" },
      { key: "a", size: 1, contentType: "text/plain", extra: true },
    ]) {
      expect((await call("POST", "/uploads", auth, body)).status, JSON.stringify(body)).toBe(400);
    }
    const notJson = await apiFetch(`${api}/uploads`, { method: "POST", headers: auth, body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("are create-only with ifNoneMatch: *", async () => {
    const auth = await bearer("alpha");
    const created = await call("POST", "/uploads", auth, {
      key: "docs/a.txt",
      size: 1,
      contentType: "text/plain",
      ifNoneMatch: "*",
    });
    expect(created.status).toBe(412);
    const fresh = await call("POST", "/uploads", auth, {
      key: "docs/new.txt",
      size: 1,
      contentType: "text/plain",
      ifNoneMatch: "*",
    });
    expect(fresh.body.upload.headers["If-None-Match"]).toBe("*");
  });
});

describe("multipart uploads", () => {
  it("upload a file over the threshold in parts, re-sign a part, complete, and index the right size", async () => {
    const auth = await bearer("gamma");
    const size = 12 * MIB + 123;
    const data = new Uint8Array(size).map((_, i) => i % 251);
    const created = await call("POST", "/uploads", auth, {
      key: "videos/clip.mp4",
      size,
      contentType: "video/mp4",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ method: "multipart", partSize: 5 * MIB, partCount: 3 });
    const parts = created.body.parts as Array<Signed & { partNumber: number; size: number }>;
    expect(parts.map((p) => p.size)).toEqual([5 * MIB, 5 * MIB, 2 * MIB + 123]);

    const resigned = await call("GET", `/uploads/${created.body.id}/parts?numbers=2`, auth);
    expect(resigned.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([2]);
    const signed = [parts[0], resigned.body.parts[0], parts[2]] as Array<
      Signed & { partNumber: number; size: number }
    >;

    const etags = await Promise.all(
      signed.map(async (part) => {
        const start = (part.partNumber - 1) * 5 * MIB;
        const response = await send(part, data.subarray(start, start + part.size));
        expect(response.status).toBe(200);
        return { partNumber: part.partNumber, etag: response.headers.get("etag") as string };
      }),
    );
    const incomplete = await call("POST", `/uploads/${created.body.id}/complete`, auth, {
      parts: etags.slice(0, 2),
    });
    expect(incomplete.status).toBe(400);
    const completed = await call("POST", `/uploads/${created.body.id}/complete`, auth, {
      parts: etags,
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    await stack.bridge.idle();

    const list = await call("GET", "/files?prefix=videos/", auth);
    expect(list.body.items).toEqual([
      expect.objectContaining({ key: "videos/clip.mp4", size, contentType: "video/mp4" }),
    ]);
    expect((await call("GET", `/uploads/${created.body.id}`, auth)).body.status).toBe("committed");
    const download = await apiFetch(`${api}/files/videos/clip.mp4`, { headers: auth });
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    expect(await usage("gamma")).toMatchObject({
      used: { bytes: size, objects: 1 },
      reserved: { bytes: 0, objects: 0 },
    });
  });

  it("carry a 100 MiB file in 20 parts, four at a time", async () => {
    const auth = await bearer("lambda");
    const size = 100 * MIB;
    const data = Buffer.alloc(size, 7);
    const started = performance.now();
    const created = await call("POST", "/uploads", auth, {
      key: "large/100MiB.bin",
      size,
      contentType: "application/octet-stream",
    });
    const parts = created.body.parts as Array<Signed & { partNumber: number; size: number }>;
    expect(parts).toHaveLength(20);
    const etags: Array<{ partNumber: number; etag: string }> = [];
    for (let i = 0; i < parts.length; i += 4) {
      etags.push(
        ...(await Promise.all(
          parts.slice(i, i + 4).map(async (part) => {
            const start = (part.partNumber - 1) * 5 * MIB;
            const response = await send(part, data.subarray(start, start + part.size));
            return { partNumber: part.partNumber, etag: response.headers.get("etag") as string };
          }),
        )),
      );
    }
    expect(
      (await call("POST", `/uploads/${created.body.id}/complete`, auth, { parts: etags })).status,
    ).toBe(200);
    await stack.bridge.idle();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const head = await apiFetch(`${api}/files/large/100MiB.bin`, { method: "HEAD", headers: auth });
    expect(head.headers.get("content-length")).toBe(String(size));
    console.info(`100 MiB multipart upload, intent to indexed: ${seconds} s`);
  });

  it("leave nothing behind when aborted", async () => {
    const auth = await bearer("delta");
    const created = await call("POST", "/uploads", auth, {
      key: "aborted.bin",
      size: 11 * MIB,
      contentType: "application/octet-stream",
    });
    const part = (created.body.parts as Signed[])[0] as Signed;
    expect((await send(part, new Uint8Array(5 * MIB))).status).toBe(200);
    expect((await usage("delta")).reserved).toEqual({ bytes: 11 * MIB, objects: 1 });

    expect((await call("DELETE", `/uploads/${created.body.id}`, auth)).status).toBe(204);
    expect((await call("GET", `/uploads/${created.body.id}`, auth)).body.status).toBe("aborted");
    expect(await usage("delta")).toMatchObject({
      used: { bytes: 0, objects: 0 },
      reserved: { bytes: 0, objects: 0 },
    });
    // S3 no longer has the upload: its parts are gone.
    expect((await send(part, new Uint8Array(5 * MIB))).status).toBe(404);
    const completion = await call("POST", `/uploads/${created.body.id}/complete`, auth, {
      parts: [{ partNumber: 1, etag: "x" }],
    });
    expect(completion.status).toBe(409);
    const objects = await s3ClientFor(stack.state).send(
      new ListObjectsV2Command({ Bucket: stack.state.bucket, Prefix: "tenants/delta/" }),
    );
    expect(objects.KeyCount ?? 0).toBe(0);
    expect(await listKeys(api, auth)).toEqual([]);
  });

  it("is another tenant's business only", async () => {
    const created = await call("POST", "/uploads", await bearer("delta"), {
      key: "mine.bin",
      size: 7 * MIB,
      contentType: "application/octet-stream",
    });
    const other = await bearer("epsilon");
    for (const [method, path] of [
      ["GET", `/uploads/${created.body.id}`],
      ["GET", `/uploads/${created.body.id}/parts?numbers=1`],
      ["DELETE", `/uploads/${created.body.id}`],
    ] as const) {
      expect((await call(method, path, other)).status, `${method} ${path}`).toBe(404);
    }
    expect(
      (
        await call("POST", `/uploads/${created.body.id}/complete`, other, {
          parts: [{ partNumber: 1, etag: "x" }],
        })
      ).status,
    ).toBe(404);
  });
});

describe("quotas", () => {
  it("grant exactly as many concurrent intents as the quota fits", async () => {
    await setLimits("zeta", { maxBytes: 10 * 1000, maxObjects: null });
    const auth = await bearer("zeta");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("POST", "/uploads", auth, {
          key: `f${i}.bin`,
          size: 1000,
          contentType: "application/octet-stream",
        }),
      ),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 413)).toHaveLength(10);
    const refused = results.find((result) => result.status === 413);
    expect(refused?.body.error).toMatchObject({
      code: "quota_exceeded",
      details: { limit: 10_000, requested: 1000, used: 0, reserved: 10_000 },
    });
    expect(await usage("zeta")).toMatchObject({
      reserved: { bytes: 10_000, objects: 10 },
      limits: { maxBytes: 10_000 },
    });
  });

  it("give quota back when a file is deleted", async () => {
    await setLimits("eta", { maxObjects: 1 });
    const auth = await bearer("eta");
    const first = await call("POST", "/uploads", auth, {
      key: "only.txt",
      size: 5,
      contentType: "text/plain",
    });
    expect((await send(first.body.upload, "hello")).status).toBe(200);
    await stack.bridge.idle();
    expect(await usage("eta")).toMatchObject({
      used: { bytes: 5, objects: 1 },
      reserved: { bytes: 0, objects: 0 },
    });
    const second = () =>
      call("POST", "/uploads", auth, { key: "second.txt", size: 5, contentType: "text/plain" });
    expect((await second()).status).toBe(413);
    const put = await apiFetch(`${api}/files/second.txt`, {
      method: "PUT",
      headers: auth,
      redirect: "manual",
    });
    expect(put.status).toBe(413);

    const del = await apiFetch(`${api}/files/only.txt`, { method: "DELETE", headers: auth });
    expect(del.status).toBe(204);
    await stack.bridge.idle();
    expect((await usage("eta")).used).toEqual({ bytes: 0, objects: 0 });
    expect((await second()).status).toBe(201);
  });

  it("release the reservation of an intent that expires unused", async () => {
    const auth = await bearer("theta");
    const created = await call("POST", "/uploads", auth, {
      key: "never.bin",
      size: 6 * MIB + 1,
      contentType: "application/octet-stream",
    });
    expect((await usage("theta")).reserved).toEqual({ bytes: 6 * MIB + 1, objects: 1 });
    // The sweeper as it would run a day later.
    const table = { client: documentClientFor(stack.state), tableName: stack.state.table };
    const later = () => new Date(Date.now() + 2 * 24 * 3600 * 1000);
    const service = new UploadService({
      intents: new UploadIntents({ ...table, retentionSeconds: 3600 }),
      accounts: new TenantAccounts({
        ...table,
        defaults: {
          maxObjectBytes: 1e12,
          maxBytes: null,
          maxObjects: null,
          allowedContentTypes: ["*/*"],
        },
      }),
      files: new FileIndex({ ...table, tombstoneTtlSeconds: 3600 }),
      presigner: createPresigner({
        bucket: stack.state.bucket,
        region: stack.state.region,
        credentials: stack.state.credentials,
        expiresIn: 60,
        endpoint: stack.state.s3.endpoint,
      }),
      audit: new AuditLog({ ...table, retentionSeconds: 3600 }),
      keyring: parseKeyring(process.env.FILEGATE_ATTESTATION_KEYS ?? ""),
      storage: s3ObjectStorage(s3ClientFor(stack.state), stack.state.bucket),
      settings: {
        presignExpiresSeconds: 60,
        multipartThresholdBytes: 6 * MIB,
        partSizeBytes: 5 * MIB,
        multipartTtlSeconds: 3600,
      },
      now: later,
    });
    expect((await service.sweep()).expired).toBeGreaterThanOrEqual(1);
    expect((await call("GET", `/uploads/${created.body.id}`, auth)).body.status).toBe("expired");
    expect((await usage("theta")).reserved).toEqual({ bytes: 0, objects: 0 });
    expect((await service.sweep()).expired).toBe(0);

    // A usage change lost (or doubled) behind the service's back is repaired by a recount.
    const accounts = new TenantAccounts({
      ...table,
      defaults: {
        maxObjectBytes: 1e12,
        maxBytes: null,
        maxObjects: null,
        allowedContentTypes: ["*/*"],
      },
    });
    const truth = await usage("gamma");
    await accounts.adjust("gamma", { bytes: 999, objects: 3 });
    expect((await usage("gamma")).used).not.toEqual(truth.used);
    const recount = await service.recount("gamma" as TenantId);
    expect(recount.changed).toBe(true);
    expect((await usage("gamma")).used).toEqual(truth.used);
    expect((await service.recount("gamma" as TenantId)).changed).toBe(false);
  });

  it("tell a tenant where it stands, and let only operators read others or set limits", async () => {
    const mine = await call("GET", "/usage", await bearer("gamma"));
    expect(mine.body).toMatchObject({
      tenant: "gamma",
      used: { objects: 1 },
      limits: { maxBytes: null, allowedContentTypes: ["*/*"] },
    });
    expect((await call("GET", "/usage?tenant=gamma", await bearer("beta"))).status).toBe(403);
    expect((await call("GET", "/usage?tenant=gamma", admin)).body.tenant).toBe("gamma");
    expect(
      (await call("PUT", "/tenants/gamma/limits", await bearer("gamma"), { maxBytes: 1 })).status,
    ).toBe(403);
    expect((await call("PUT", "/tenants/gamma/limits", admin, { maxBytes: -1 })).status).toBe(400);
  });
});

describe("verification on arrival", () => {
  it("quarantines an object uploaded behind the service's back: not listed, not counted", async () => {
    const auth = await bearer("iota");
    await s3ClientFor(stack.state).send(
      new PutObjectCommand({
        Bucket: stack.state.bucket,
        Key: "tenants/iota/backdoor.txt",
        Body: "sneaky",
      }),
    );
    await stack.bridge.idle();
    expect(await listKeys(api, auth)).toEqual([]);
    expect(
      (await apiFetch(`${api}/files/backdoor.txt`, { headers: auth, redirect: "manual" })).status,
    ).toBe(404);
    expect((await usage("iota")).used).toEqual({ bytes: 0, objects: 0 });
    const history = await call("GET", "/audit?key=backdoor.txt", auth);
    expect(history.body.items).toEqual([
      expect.objectContaining({
        kind: "event",
        verdict: "quarantined",
        attribution: "none",
        reason: "it carries no attestation of an upload this service granted",
      }),
    ]);
  });

  it("quarantines a plain PUT that breaks the tenant's limits, and admits one that keeps them", async () => {
    await setLimits("kappa", { maxObjectBytes: 10 });
    const auth = await bearer("kappa");
    for (const [key, body] of [
      ["small.txt", "tiny"],
      ["large.txt", "far too large for it"],
    ] as const) {
      const grant = await apiFetch(`${api}/files/${key}`, {
        method: "PUT",
        headers: { ...auth, Accept: "application/json" },
      });
      expect((await send((await grant.json()) as Signed, body)).status).toBe(200);
    }
    await stack.bridge.idle();
    expect(await listKeys(api, auth)).toEqual(["small.txt"]);
    const history = await call("GET", "/audit?key=large.txt&action=write", auth);
    expect(history.body.items.at(-1)).toMatchObject({
      verdict: "quarantined",
      reason: expect.stringContaining("larger than"),
      actor: "uploader",
    });
  });

  it("is recorded for intents too, and a committed intent cannot be reused", async () => {
    const auth = await bearer("alpha");
    const created = await until(async () => {
      const response = await call("POST", "/uploads", auth, {
        key: "once.txt",
        size: 4,
        contentType: "text/plain",
      });
      return response.status === 201 ? response : undefined;
    });
    expect((await send(created.body.upload, "four")).status).toBe(200);
    await stack.bridge.idle();
    expect((await call("DELETE", `/uploads/${created.body.id}`, auth)).status).toBe(409);
    const history = await call("GET", "/audit?key=once.txt", auth);
    expect(
      history.body.items.map(
        (r: { kind: string; verdict?: string }) => `${r.kind}:${r.verdict ?? ""}`,
      ),
    ).toEqual(["grant:", "event:admitted"]);
  });
});
