import { createHash, randomBytes } from "node:crypto";
import { Filegate, type FilegateError, type UploadIntentInfo } from "@filegate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkedFetch } from "./helpers/openapi";
import { type RunningStack, startStack } from "./helpers/stack";

/**
 * Uploads the client shapes (`multipart`, `partSize`) and resumes (`GET /uploads/{id}` lists
 * the parts S3 holds, with ETags), end to end: the local stack with its default 100 MiB
 * threshold, the S3 emulator's ListParts, and `@filegate/client`.
 */
let stack: RunningStack;
const MIB = 1024 * 1024;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function call(method: string, path: string, auth: Record<string, string>, body?: unknown) {
  const response = await checkedFetch(stack.state.apiUrl)(`${stack.state.apiUrl}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

type Part = { partNumber: number; size: number; url: string; method: string; headers: object };
const sendPart = (part: Part, bytes: Uint8Array) =>
  fetch(part.url, {
    method: part.method,
    headers: part.headers as Record<string, string>,
    body: new Blob([new Uint8Array(bytes)]),
  });
const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("POST /uploads with multipart and partSize", () => {
  it("goes multipart below the threshold when asked, in parts of the size asked for", async () => {
    const auth = await stack.auth("shape");
    const created = await call("POST", "/uploads", auth, {
      key: "small/parts.bin",
      size: 11 * MIB,
      contentType: "application/octet-stream",
      multipart: true,
      partSize: 5 * MIB,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ method: "multipart", partSize: 5 * MIB, partCount: 3 });
    expect(created.body.parts.map((p: Part) => p.size)).toEqual([5 * MIB, 5 * MIB, MIB]);

    // Without either option the same size is one PUT (the threshold is 100 MiB).
    const plain = await call("POST", "/uploads", auth, {
      key: "small/one.bin",
      size: 11 * MIB,
      contentType: "application/octet-stream",
    });
    expect(plain.body.method).toBe("single");
    // partSize alone implies multipart; the server's own part size otherwise.
    const sized = await call("POST", "/uploads", auth, {
      key: "small/sized.bin",
      size: 11 * MIB,
      contentType: "application/octet-stream",
      partSize: 6 * MIB,
    });
    expect(sized.body).toMatchObject({ method: "multipart", partSize: 6 * MIB, partCount: 2 });
    const forced = await call("POST", "/uploads", auth, {
      key: "small/forced.bin",
      size: 1000,
      contentType: "application/octet-stream",
      multipart: true,
    });
    expect(forced.body).toMatchObject({ method: "multipart", partCount: 1 });
    expect(forced.body.parts[0].size).toBe(1000);
  });

  it("refuses part sizes S3 or the tenant would not take, saying the bounds", async () => {
    const auth = await stack.auth("bounds");
    const ask = (size: number, extra: Record<string, unknown>) =>
      call("POST", "/uploads", auth, {
        key: "b/file.bin",
        size,
        contentType: "application/octet-stream",
        ...extra,
      });
    const tooSmall = await ask(20 * MIB, { partSize: 5 * MIB - 1 });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error).toMatchObject({
      code: "invalid_part_size",
      details: { requested: 5 * MIB - 1, min: 5 * MIB, max: 5 * 1024 * MIB },
    });
    expect(tooSmall.body.error.message).toMatch(/at least 5242880/);
    const tooLarge = await ask(20 * MIB, { partSize: 5 * 1024 * MIB + 1 });
    expect(tooLarge.body.error).toMatchObject({ code: "invalid_part_size" });
    expect(tooLarge.body.error.message).toMatch(/at most 5368709120/);
    // 100 GiB in 5 MiB parts would be 20,480 parts.
    const tooMany = await ask(100 * 1024 * MIB, { partSize: 5 * MIB });
    expect(tooMany.body.error).toMatchObject({
      code: "invalid_part_size",
      details: { min: Math.ceil((100 * 1024 * MIB) / 10_000) },
    });
    expect(tooMany.body.error.message).toMatch(/more than 10000 parts/);
    const fraction = await ask(20 * MIB, { partSize: 5.5 * MIB + 0.5 });
    expect(fraction.body.error.code).toBe("bad_request");
    const contradiction = await ask(20 * MIB, { multipart: false, partSize: 5 * MIB });
    expect(contradiction.body.error).toMatchObject({
      code: "bad_request",
      message: "partSize needs a multipart upload",
    });
    const notBoolean = await ask(20 * MIB, { multipart: "yes" });
    expect(notBoolean.body.error.message).toMatch(/multipart must be true/);

    const admin = {
      Authorization: `Bearer ${await stack.token("ops", "admin", "--scope", "tenants:admin")}`,
    };
    const limited = await call("PUT", "/tenants/bounds/limits", admin, {
      maxObjectBytes: 20 * MIB,
    });
    expect(limited.status, JSON.stringify(limited.body)).toBe(200);
    const overTenant = await ask(10 * MIB, { partSize: 21 * MIB });
    expect(overTenant.body.error).toMatchObject({
      code: "invalid_part_size",
      details: { max: 20 * MIB },
    });
    expect(overTenant.body.error.message).toMatch(/this tenant's largest file/);
  });
});

describe("GET /uploads/{id} of a pending multipart upload", () => {
  it("lists the parts storage holds with S3's ETags, and completes with them", async () => {
    const auth = await stack.auth("resume");
    const data = randomBytes(11 * MIB);
    const created = await call("POST", "/uploads", auth, {
      key: "r/file.bin",
      size: data.length,
      contentType: "application/octet-stream",
      partSize: 5 * MIB,
    });
    const parts = created.body.parts as Part[];
    const before = await call("GET", `/uploads/${created.body.id}`, auth);
    expect(before.body).toMatchObject({
      status: "pending",
      method: "multipart",
      partSize: 5 * MIB,
      partCount: 3,
      parts: [],
    });

    const first = await sendPart(parts[0] as Part, data.subarray(0, 5 * MIB));
    const third = await sendPart(parts[2] as Part, data.subarray(10 * MIB));
    expect([first.status, third.status]).toEqual([200, 200]);
    const listed = await call("GET", `/uploads/${created.body.id}`, auth);
    expect(listed.body.parts).toEqual([
      { partNumber: 1, etag: first.headers.get("etag"), size: 5 * MIB },
      { partNumber: 3, etag: third.headers.get("etag"), size: MIB },
    ]);
    expect(listed.body.parts[0].etag).toBe(
      `"${createHash("md5")
        .update(data.subarray(0, 5 * MIB))
        .digest("hex")}"`,
    );

    // Another tenant learns nothing about it.
    const stranger = await call("GET", `/uploads/${created.body.id}`, await stack.auth("other"));
    expect(stranger.status).toBe(404);

    const second = await sendPart(parts[1] as Part, data.subarray(5 * MIB, 10 * MIB));
    const all = (await call("GET", `/uploads/${created.body.id}`, auth)).body.parts;
    expect(all.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2, 3]);
    expect(all[1].etag).toBe(second.headers.get("etag"));
    const completed = await call("POST", `/uploads/${created.body.id}/complete`, auth, {
      parts: all.map((p: { partNumber: number; etag: string }) => ({
        partNumber: p.partNumber,
        etag: p.etag,
      })),
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    // Once the upload is no longer pending, no parts are listed.
    const done = await call("GET", `/uploads/${created.body.id}`, auth);
    expect(done.body.parts ?? []).toEqual([]);
  });
});

describe("@filegate/client uploads with shape and resume", () => {
  it("uploads a small file in parts of the size asked for", async () => {
    const client = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: await stack.token("cshape", "alice"),
      fetch: checkedFetch(stack.state.apiUrl),
    });
    const data = randomBytes(7 * MIB);
    const intents: UploadIntentInfo[] = [];
    const result = await client.upload("c/seven.bin", data, {
      multipart: true,
      partSize: 5 * MIB,
      wait: true,
      onIntent: (intent) => intents.push(intent),
    });
    expect(result).toMatchObject({ method: "multipart", size: data.length, indexed: true });
    expect(intents).toEqual([
      expect.objectContaining({ id: result.uploadId, partSize: 5 * MIB, partCount: 2 }),
    ]);
    expect(digest(await client.downloadBytes("c/seven.bin"))).toBe(digest(data));

    const refused = await client
      .upload("c/bad.bin", data, { partSize: 4 * MIB })
      .catch((error: FilegateError) => error);
    expect(refused).toMatchObject({ status: 400, code: "invalid_part_size" });
  });

  it("resumes an interrupted upload, sending only the parts storage lacks", async () => {
    const token = await stack.token("cresume", "alice");
    const data = randomBytes(16 * MIB);
    const s3 = stack.state.s3.endpoint;
    // The network fails for the upload's third and fourth parts (as a closed tab would).
    const failing = new Filegate({
      baseUrl: stack.state.apiUrl,
      token,
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.startsWith(s3) && /partNumber=[34]\b/.test(url)) {
          return Promise.reject(new TypeError("fetch failed"));
        }
        return fetch(input, init);
      },
    });
    let saved: string | undefined;
    const interrupted = await failing
      .upload("c/resumed.bin", data, {
        partSize: 5 * MIB,
        partConcurrency: 1,
        retries: 0,
        onIntent: (intent) => {
          saved = intent.id;
        },
      })
      .catch((error: Error) => error);
    expect(interrupted).toBeInstanceOf(Error);
    expect(saved).toMatch(/^u[0-9a-f]{27}$/);

    const sent: string[] = [];
    const client = new Filegate({
      baseUrl: stack.state.apiUrl,
      token,
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.startsWith(s3)) sent.push(new URL(url).searchParams.get("partNumber") ?? "?");
        return checkedFetch(stack.state.apiUrl)(input, init);
      },
    });
    const status = await client.uploadStatus(saved as string);
    expect(status.parts?.map((part) => part.partNumber)).toEqual([1, 2]);
    const result = await client.upload("c/resumed.bin", data, {
      resume: saved as string,
      wait: true,
    });
    expect(sent.sort()).toEqual(["3", "4"]);
    expect(result).toMatchObject({ uploadId: saved, method: "multipart", indexed: true });
    expect(digest(await client.downloadBytes("c/resumed.bin"))).toBe(digest(data));

    // Only a pending multipart upload of the same key and size resumes.
    const again = await client
      .upload("c/resumed.bin", data, { resume: saved as string })
      .catch((error: FilegateError) => error);
    expect(again).toMatchObject({ code: "not_resumable" });
    expect((again as Error).message).toMatch(/it is committed/);
  });

  it("keeps a resumable intent when aborted, and abortUpload ends it", async () => {
    const client = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: await stack.token("cabort", "alice"),
    });
    const controller = new AbortController();
    let id: string | undefined;
    const aborted = await client
      .upload("c/paused.bin", randomBytes(11 * MIB), {
        partSize: 5 * MIB,
        signal: controller.signal,
        onIntent: (intent) => {
          id = intent.id;
          controller.abort();
        },
      })
      .catch((error: FilegateError) => error);
    expect(aborted).toMatchObject({ code: "aborted" });
    expect((await client.uploadStatus(id as string)).status).toBe("pending");
    const other = await client
      .upload("c/elsewhere.bin", randomBytes(11 * MIB), { resume: id as string })
      .catch((error: FilegateError) => error);
    expect(other).toMatchObject({ code: "not_resumable" });
    await client.abortUpload(id as string);
    expect((await client.uploadStatus(id as string)).status).toBe("aborted");
  });
});
