import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EmulatorEventRecord,
  type S3Emulator,
  startS3,
} from "../packages/local/src/s3/emulator";
import {
  byUtf8,
  compareSequencers,
  emulatorClient,
  filesUnder,
  formUpload,
  pathOf,
  presignPath,
  send,
  signedPolicyFields,
} from "./helpers/s3-emulator";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

// The local S3 must refuse what a bucket with Block Public Access refuses, and store what S3
// stores: every test here talks to the emulator over HTTP, with the SDK or node:http.
const BUCKET = "emulator-test";
let root: string;
let s3: S3Emulator;
let client: S3Client;
const events: EmulatorEventRecord[] = [];

/** Files of the data folder that are not inside one of the buckets' folders. */
async function filesOutsideBuckets(): Promise<string[]> {
  const buckets = [BUCKET, "emulator-website", "emulator-cors"].map(
    (name) => `${join(root, "s3", name)}/`,
  );
  return (await filesUnder(root)).filter(
    (file) => !buckets.some((folder) => file.startsWith(folder)),
  );
}

const md5 = (body: Buffer | string) => createHash("md5").update(body).digest("hex");
const eventsOf = (key: string) => events.filter((event) => event.s3.object.key === key);

async function bodyOf(key: string, bucket = BUCKET): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
}

async function put(key: string, body: string | Buffer, bucket = BUCKET): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) {
      return { name: error.name, status: error.$metadata.httpStatusCode };
    }
    throw error;
  }
  throw new Error("the request succeeded");
}

async function listAll(
  query: { Prefix?: string; Delimiter?: string; MaxKeys?: number },
  bucket = BUCKET,
): Promise<{ keys: string[]; prefixes: string[]; entries: string[] }> {
  const page = { keys: [] as string[], prefixes: [] as string[], entries: [] as string[] };
  let token: string | undefined;
  do {
    const answer = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ...query, ContinuationToken: token }),
    );
    const keys = (answer.Contents ?? []).map((object) => object.Key as string);
    const prefixes = (answer.CommonPrefixes ?? []).map((prefix) => prefix.Prefix as string);
    expect(answer.KeyCount).toBe(keys.length + prefixes.length);
    page.keys.push(...keys);
    page.prefixes.push(...prefixes);
    page.entries.push(...[...keys, ...prefixes].sort(byUtf8));
    token = answer.IsTruncated ? answer.NextContinuationToken : undefined;
  } while (token);
  return page;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "filegate-s3-emulator-"));
  s3 = await startS3({ port: 0, directory: join(root, "s3"), bucket: BUCKET });
  s3.onEvent((record) => events.push(record));
  client = emulatorClient(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("requests without a signature (Block Public Access)", () => {
  const KEY = "tenants/acme/secret.txt";

  it("are refused with 403 AccessDenied, and change nothing", async () => {
    await put(KEY, "top secret");
    const before = events.length;
    const deleteXml = `<Delete><Object><Key>${KEY}</Key></Object></Delete>`;
    const attempts: Array<[string, string, string?, Record<string, string>?]> = [
      ["GET", "/"],
      ["GET", `/${BUCKET}`],
      ["GET", `/${BUCKET}/?list-type=2&prefix=tenants/`],
      ["GET", `/${BUCKET}/${KEY}`],
      ["GET", `/${BUCKET}/${KEY}?tagging`],
      ["PUT", `/${BUCKET}/${KEY}`, "overwritten"],
      ["PUT", `/${BUCKET}/tenants/globex/new.txt`, "planted"],
      [
        "PUT",
        `/${BUCKET}/tenants/globex/copy.txt`,
        "",
        { "x-amz-copy-source": `/${BUCKET}/${KEY}` },
      ],
      ["DELETE", `/${BUCKET}/${KEY}`],
      ["POST", `/${BUCKET}?delete`, deleteXml, { "Content-Type": "application/xml" }],
      ["POST", `/${BUCKET}`, deleteXml, { "Content-Type": "application/xml" }],
      ["POST", `/${BUCKET}/tenants/acme/big.bin?uploads`],
      ["PUT", `/${BUCKET}?cors`, "<CORSConfiguration/>"],
      ["GET", `/${BUCKET}?cors`],
      ["DELETE", `/${BUCKET}`],
      ["PUT", "/another-bucket"],
    ];
    for (const [method, path, body, headers] of attempts) {
      const response = await send(s3.endpoint, method, path, headers, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers["content-type"]).toMatch(/^application\/xml/);
      expect(response.body.toString()).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/,
      );
    }
    const head = await send(s3.endpoint, "HEAD", `/${BUCKET}/${KEY}`);
    expect(head.status).toBe(403);

    expect((await bodyOf(KEY)).toString()).toBe("top secret");
    expect((await listAll({})).keys).toEqual([KEY]);
    expect(events.length).toBe(before);
  });

  it("are refused on the website endpoint too, even with a website configuration", async () => {
    const bucket = "emulator-website";
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketWebsiteCommand({
        Bucket: bucket,
        WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
      }),
    );
    await put("index.html", "<p>private</p>", bucket);
    for (const host of ["s3-website-us-east-1.amazonaws.com", new URL(s3.endpoint).host]) {
      for (const path of [`/${bucket}/index.html`, `/${bucket}/`]) {
        const response = await send(s3.endpoint, "GET", path, { Host: host });
        expect(response.status, `${host} ${path}`).toBe(403);
        expect(response.body.toString()).not.toContain("private");
      }
    }
  });

  it("leave presigned URLs working as issued, and refused tampered, wrongly signed or expired", async () => {
    const command = new GetObjectCommand({ Bucket: BUCKET, Key: KEY });
    const url = await getSignedUrl(client, command, { expiresIn: 60 });
    const ok = await send(s3.endpoint, "GET", pathOf(url, s3.endpoint));
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe("top secret");

    const signature = new URL(url).searchParams.get("X-Amz-Signature") as string;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const wrongKey = emulatorClient(s3.endpoint, {
      accessKeyId: "S3RVER",
      secretAccessKey: "not-the-secret",
    });
    const unknownKey = emulatorClient(s3.endpoint, {
      accessKeyId: "AKIAUNKNOWN",
      secretAccessKey: "S3RVER",
    });
    const refused: Array<[string, string, RegExp]> = [
      [url.replace(signature, flipped), "GET", /SignatureDoesNotMatch/],
      [
        url.replace("tenants/acme/secret.txt", "tenants/acme/other.txt"),
        "GET",
        /SignatureDoesNotMatch/,
      ],
      [url, "DELETE", /SignatureDoesNotMatch/],
      [await getSignedUrl(wrongKey, command, { expiresIn: 60 }), "GET", /SignatureDoesNotMatch/],
      [await getSignedUrl(unknownKey, command, { expiresIn: 60 }), "GET", /InvalidAccessKeyId/],
      [
        await getSignedUrl(client, command, {
          expiresIn: 1,
          signingDate: new Date(Date.now() - 5000),
        }),
        "GET",
        /Request has expired/,
      ],
    ];
    wrongKey.destroy();
    unknownKey.destroy();
    for (const [candidate, method, code] of refused) {
      const response = await send(s3.endpoint, method, pathOf(candidate, s3.endpoint));
      expect(response.status, candidate).toBe(403);
      expect(response.body.toString()).toMatch(code);
    }
    expect((await bodyOf(KEY)).toString()).toBe("top secret");
  });

  it("keep a form upload (POST Object) only with a signed policy whose conditions hold", async () => {
    const expiration = new Date(Date.now() + 60_000);
    const conditions = [
      ["starts-with", "$key", "tenants/acme/forms/"],
      ["content-length-range", 1, 64],
    ];
    const signed = (fields: Record<string, string>, overrides: object = {}) =>
      signedPolicyFields({ bucket: BUCKET, conditions, expiration, fields, ...overrides });
    const post = async (fields: Record<string, string>, file = "form body") => {
      const form = formUpload(fields, file);
      return send(s3.endpoint, "POST", `/${BUCKET}`, form.headers, form.body);
    };

    const accepted = await post(await signed({ key: "tenants/acme/forms/ok.txt" }));
    expect(accepted.status, accepted.body.toString()).toBe(204);
    expect((await bodyOf("tenants/acme/forms/ok.txt")).toString()).toBe("form body");
    expect(eventsOf("tenants/acme/forms/ok.txt").map((e) => e.eventName)).toEqual([
      "ObjectCreated:Post",
    ]);

    const tampered = await signed({ key: "tenants/acme/forms/a.txt" });
    // Change the signature's last hex digit to another one (a fixed "0" is no change one time in 16).
    const signature = tampered["X-Amz-Signature"] ?? "";
    tampered["X-Amz-Signature"] = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const refused: Array<[string, Record<string, string>, RegExp, number, string?]> = [
      ["no policy", { key: "tenants/acme/forms/a.txt" }, /AccessDenied/, 403],
      ["a tampered signature", tampered, /SignatureDoesNotMatch/, 403],
      [
        "another secret",
        await signed({ key: "tenants/acme/forms/a.txt" }, { secretAccessKey: "wrong" }),
        /SignatureDoesNotMatch/,
        403,
      ],
      [
        "an expired policy",
        await signed(
          { key: "tenants/acme/forms/a.txt" },
          { expiration: new Date(Date.now() - 1000) },
        ),
        /Policy expired/,
        403,
      ],
      [
        "a key outside the policy",
        await signed({ key: "tenants/globex/a.txt" }),
        /Policy Condition failed/,
        403,
      ],
      [
        "a field the policy leaves out",
        await signed({ key: "tenants/acme/forms/a.txt", "x-amz-meta-owner": "mallory" }),
        /Extra input fields: x-amz-meta-owner/,
        403,
      ],
      [
        "a file over the size range",
        await signed({ key: "tenants/acme/forms/a.txt" }),
        /EntityTooLarge/,
        400,
        "x".repeat(65),
      ],
    ];
    for (const [what, fields, code, status, file] of refused) {
      const response = await post(fields, file);
      expect(response.status, what).toBe(status);
      expect(response.body.toString(), what).toMatch(code);
    }
    expect((await listAll({ Prefix: "tenants/" })).keys).not.toContain("tenants/acme/forms/a.txt");
    expect((await listAll({ Prefix: "tenants/globex/" })).keys).toEqual([]);
  });
});

describe("keys", () => {
  it("with .. and empty segments are stored literally, as S3 does, inside the bucket's folder", async () => {
    const keys = [
      "../../escape.txt",
      "../outside/x",
      "a/../b",
      "a/b",
      "b",
      "a//b",
      "/lead",
      "./dot",
      "..",
      "%2e%2e/encoded",
      "tenants/acme/../../../../etc/passwd",
    ];
    for (const [index, key] of keys.entries()) await put(key, `body ${index}`);
    for (const [index, key] of keys.entries()) {
      expect((await bodyOf(key)).toString(), key).toBe(`body ${index}`);
    }
    // Raw requests: the path of a presigned URL, sent as is.
    const raw = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: BUCKET, Key: "../../../raw.txt" }),
      { expiresIn: 60 },
    );
    expect(pathOf(raw, s3.endpoint)).toMatch(/^\/emulator-test\/\.\.\/\.\.\/\.\.\/raw\.txt\?/);
    expect((await send(s3.endpoint, "PUT", pathOf(raw, s3.endpoint), {}, "raw")).status).toBe(200);
    expect((await bodyOf("../../../raw.txt")).toString()).toBe("raw");

    const listed = (await listAll({})).keys;
    for (const key of [...keys, "../../../raw.txt"]) expect(listed).toContain(key);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "a/../b" }));
    expect((await bodyOf("b")).toString()).toBe(`body ${keys.indexOf("b")}`);
    expect((await bodyOf("a/b")).toString()).toBe(`body ${keys.indexOf("a/b")}`);

    expect(await filesOutsideBuckets()).toEqual([]);
  });

  it("never name a folder outside the data folder through a bucket name, upload id or part number", async () => {
    const upload = await send(
      s3.endpoint,
      "POST",
      await presignPath(s3.endpoint, "POST", `/${BUCKET}/multi.bin`, { uploads: "" }),
    );
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(upload.body.toString())?.[1] as string;
    expect(uploadId).toMatch(/^[0-9a-f]+$/);
    const attempts: Array<[string, string, Record<string, string>, number]> = [
      ["PUT", "/../bucket-escape/x.txt", {}, 404],
      ["PUT", "/../../x.txt", {}, 404],
      ["PUT", `/${BUCKET}/part.bin`, { partNumber: "1", uploadId: "../../../upload-escape" }, 404],
      ["PUT", `/${BUCKET}/part.bin`, { partNumber: "1", uploadId: "." }, 404],
      ["PUT", `/${BUCKET}/multi.bin`, { partNumber: "../../../part-escape", uploadId }, 400],
      ["PUT", `/${BUCKET}/multi.bin`, { partNumber: "0", uploadId }, 400],
      ["PUT", `/${BUCKET}/multi.bin`, { partNumber: "10001", uploadId }, 400],
    ];
    for (const [method, path, query, status] of attempts) {
      const response = await send(
        s3.endpoint,
        method,
        await presignPath(s3.endpoint, method, path, query),
        {},
        "escaped",
      );
      expect(response.status, `${path} ${JSON.stringify(query)}`).toBe(status);
    }
    expect(await filesOutsideBuckets()).toEqual([]);
  });

  it("of any length S3 takes are stored: a 240-byte segment, 1,024 bytes; 1,025 is KeyTooLongError", async () => {
    const segment = "s".repeat(240);
    const keys = [`long/${segment}/leaf.txt`, `long/${segment}`];
    const exact = `long/${"z".repeat(1024 - 5)}`;
    const multibyte = `long/${"\u00E9".repeat(509)}k`;
    expect(Buffer.byteLength(exact)).toBe(1024);
    expect(Buffer.byteLength(multibyte)).toBe(1024);
    for (const key of [...keys, exact, multibyte]) {
      await put(key, `body of ${key.length}`);
      expect((await bodyOf(key)).toString()).toBe(`body of ${key.length}`);
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.ContentLength).toBe(`body of ${key.length}`.length);
    }
    expect((await listAll({ Prefix: "long/" })).keys).toEqual(
      [...keys, exact, multibyte].sort(byUtf8),
    );
    for (const key of [`${exact}z`, `long/${"\u00E9".repeat(510)}`]) {
      expect(Buffer.byteLength(key)).toBe(1025);
      expect(await failure(put(key, "too long"))).toEqual({ name: "KeyTooLongError", status: 400 });
    }
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: exact }));
    expect(await failure(bodyOf(exact))).toEqual({ name: "NoSuchKey", status: 404 });
  });

  it("are listed as stored, in UTF-8 byte order, by prefix and delimiter, page by page", async () => {
    const keys = [
      "list/a/1",
      "list/a/2",
      "list/a-b",
      "list/a.b",
      "list/a",
      "list/b/../c",
      "list/b//d",
      `list/${"m".repeat(300)}/deep/file`,
      "list/z",
      "list/\uFFFD",
      "list/\u{1F600}",
      "list/\u00E9t\u00E9",
      "list/sp ace+plus%25",
    ];
    for (const key of keys) await put(key, key);
    const sorted = [...keys].sort(byUtf8);
    expect(sorted.indexOf("list/\uFFFD")).toBeLessThan(sorted.indexOf("list/\u{1F600}"));

    for (const maxKeys of [1, 2, 5, 1000]) {
      expect((await listAll({ Prefix: "list/", MaxKeys: maxKeys })).keys).toEqual(sorted);
    }
    const rolled = new Set<string>();
    const entries: string[] = [];
    for (const key of sorted) {
      const at = key.indexOf("/", "list/".length);
      if (at === -1) entries.push(key);
      else if (!rolled.has(key.slice(0, at + 1))) {
        rolled.add(key.slice(0, at + 1));
        entries.push(key.slice(0, at + 1));
      }
    }
    for (const maxKeys of [1, 2, 3, 1000]) {
      const page = await listAll({ Prefix: "list/", Delimiter: "/", MaxKeys: maxKeys });
      expect(page.entries, `MaxKeys ${maxKeys}`).toEqual(entries);
      expect(page.prefixes).toEqual([...rolled]);
    }
    // "." (0x2E) sorts before "/" (0x2F).
    expect((await listAll({ Prefix: "list/b/", Delimiter: "/" })).entries).toEqual([
      "list/b/../",
      "list/b//",
    ]);
  });
});

describe("writes", () => {
  it("of 40 concurrent uploads to one key leave one whole upload, and the last event names it", async () => {
    const key = "tenants/acme/contended.bin";
    const uploads = Array.from({ length: 40 }, (_, index) => ({
      body: randomBytes(48 * 1024 + index * 4099),
      contentType: `application/x-upload-${index}`,
    }));
    const byMd5 = new Map(uploads.map((upload, index) => [md5(upload.body), index]));
    let writing = true;
    const reads: Array<{ body: Buffer; contentType?: string }> = [];
    const reader = (async () => {
      while (writing) {
        try {
          const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
          const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
          reads.push({ body, contentType: object.ContentType });
        } catch (error) {
          if (!(error instanceof S3ServiceException && error.name === "NoSuchKey")) throw error;
        }
      }
    })();
    await Promise.all(
      uploads.map((upload) =>
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body: upload.body,
            ContentType: upload.contentType,
          }),
        ),
      ),
    );
    writing = false;
    await reader;

    // Every read, during the writes and after, is one upload whole, with its own metadata.
    reads.push({
      body: await bodyOf(key),
      contentType: (await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))
        .ContentType,
    });
    for (const read of reads) {
      const index = byMd5.get(md5(read.body));
      expect(index, `a read of ${read.body.length} bytes is no upload`).toBeDefined();
      expect(read.contentType).toBe(uploads[index as number]?.contentType);
    }
    const stored = await bodyOf(key);

    const created = eventsOf(key);
    expect(created).toHaveLength(40);
    const sequencers = created.map((event) => event.s3.object.sequencer);
    expect(new Set(sequencers).size).toBe(40);
    // Emitted in commit order: each sequencer above the one before.
    for (let i = 1; i < sequencers.length; i++) {
      expect(compareSequencers(sequencers[i] as string, sequencers[i - 1] as string)).toBe(1);
    }
    const last = [...created].sort((a, b) =>
      compareSequencers(a.s3.object.sequencer, b.s3.object.sequencer),
    )[39] as EmulatorEventRecord;
    expect(last.s3.object).toMatchObject({ size: stored.length, eTag: md5(stored) });
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ETag).toBe(`"${md5(stored)}"`);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const removed = eventsOf(key).at(-1) as EmulatorEventRecord;
    expect(removed.eventName).toBe("ObjectRemoved:Delete");
    expect(compareSequencers(removed.s3.object.sequencer, last.s3.object.sequencer)).toBe(1);
  });

  it("with If-None-Match: * are evaluated at commit: of concurrent creates, one wins", async () => {
    const key = "tenants/acme/create-once.txt";
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body: `writer ${index}`,
            IfNoneMatch: "*",
          }),
        ),
      ),
    );
    const won = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect((result.reason as S3ServiceException).$metadata.httpStatusCode).toBe(412);
      }
    }
    expect((await bodyOf(key)).toString()).toBe(`writer ${won[0]}`);
    expect(eventsOf(key)).toHaveLength(1);
  });

  it("are refused when the body does not match the checksum the URL or headers carry", async () => {
    // What the SDK puts in presigned PUT URLs unless told otherwise: a CRC32 of no bytes.
    const checksummed = emulatorClient(s3.endpoint, undefined, "WHEN_SUPPORTED");
    const url = await getSignedUrl(
      checksummed,
      new PutObjectCommand({ Bucket: BUCKET, Key: "tenants/acme/crc.txt" }),
      { expiresIn: 60 },
    );
    checksummed.destroy();
    expect(url).toContain("x-amz-checksum-crc32=AAAAAA%3D%3D");
    const response = await send(s3.endpoint, "PUT", pathOf(url, s3.endpoint), {}, "not empty");
    expect(response.status).toBe(400);
    expect(response.body.toString()).toMatch(/<Code>BadDigest<\/Code>/);
    expect(await failure(bodyOf("tenants/acme/crc.txt"))).toEqual({
      name: "NoSuchKey",
      status: 404,
    });

    const wrongMd5 = client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "tenants/acme/md5.txt",
        Body: "content",
        ContentMD5: createHash("md5").update("other").digest("base64"),
      }),
    );
    expect(await failure(wrongMd5)).toEqual({ name: "BadDigest", status: 400 });
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "tenants/acme/md5.txt",
        Body: "content",
        ContentMD5: createHash("md5").update("content").digest("base64"),
      }),
    );
    expect((await bodyOf("tenants/acme/md5.txt")).toString()).toBe("content");
  });
});

describe("CORS, from the bucket's rules (BUCKET_CORS)", () => {
  const ORIGIN = "https://app.example.com";
  const KEY = "tenants/acme/cors.txt";
  const preflight = (
    method: string,
    headers?: string,
    origin: string | null = ORIGIN,
    path = `/${BUCKET}/${KEY}`,
  ) =>
    send(s3.endpoint, "OPTIONS", path, {
      ...(origin ? { Origin: origin } : {}),
      "Access-Control-Request-Method": method,
      ...(headers ? { "Access-Control-Request-Headers": headers } : {}),
    });

  it("answers a preflight the rules allow, without a signature", async () => {
    const response = await preflight("PUT", "Content-Type, if-none-match");
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD, PUT, DELETE",
      "access-control-allow-headers": "content-type, if-none-match",
      "access-control-expose-headers": "etag, content-length, last-modified, x-amz-request-id",
      "access-control-max-age": "3600",
    });
    expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
    expect((await preflight("DELETE")).status).toBe(200);
  });

  it("refuses a preflight for a method or a header the rules leave out", async () => {
    const refused: Array<[string, string?, string?]> = [
      ["POST"],
      ["PATCH"],
      ["put"],
      ["PUT", "x-custom"],
      ["PUT", "content-type, authorization"],
      ["GET", "x-amz-meta-owner"],
    ];
    for (const [method, headers] of refused) {
      const response = await preflight(method, headers);
      expect(response.status, `${method} ${headers}`).toBe(403);
      expect(response.body.toString()).toMatch(/<Code>CORSResponse<\/Code>/);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect((await preflight("GET", undefined, null)).status).toBeGreaterThanOrEqual(400);
  });

  it("puts the rules' headers on responses to a page, and no CORS headers on others", async () => {
    await put(KEY, "cors");
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: KEY }), {
      expiresIn: 60,
    });
    const fromPage = await send(s3.endpoint, "GET", pathOf(url, s3.endpoint), { Origin: ORIGIN });
    expect(fromPage.status).toBe(200);
    expect(fromPage.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "etag, content-length, last-modified, x-amz-request-id",
    });
    expect(fromPage.headers["access-control-allow-credentials"]).toBeUndefined();

    const direct = await send(s3.endpoint, "GET", pathOf(url, s3.endpoint));
    expect(direct.status).toBe(200);
    expect(
      Object.keys(direct.headers).filter((name) => name.startsWith("access-control-")),
    ).toEqual([]);
    // A refused request from a page still tells the page why.
    const anonymous = await send(s3.endpoint, "GET", `/${BUCKET}/${KEY}`, { Origin: ORIGIN });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers["access-control-allow-origin"]).toBe("*");
  });

  it("evaluates every rule, echoes a listed origin with credentials, and ignores other origins", async () => {
    const bucket = "emulator-cors";
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [ORIGIN], AllowedMethods: ["GET"], AllowedHeaders: ["x-one"] },
            {
              AllowedOrigins: [ORIGIN],
              AllowedMethods: ["GET"],
              AllowedHeaders: ["x-two"],
              ExposeHeaders: ["etag"],
            },
          ],
        },
      }),
    );
    const second = await preflight("GET", "x-two", ORIGIN, `/${bucket}/file.txt`);
    expect(second.status).toBe(200);
    expect(second.headers).toMatchObject({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "etag",
    });
    expect((await preflight("GET", "x-one, x-two", ORIGIN, `/${bucket}/file.txt`)).status).toBe(
      403,
    );
    expect(
      (await preflight("GET", undefined, "https://evil.example.com", `/${bucket}/file.txt`)).status,
    ).toBe(403);

    await put("file.txt", "cors", bucket);
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: "file.txt" }),
      {
        expiresIn: 60,
      },
    );
    const evil = await send(s3.endpoint, "GET", pathOf(url, s3.endpoint), {
      Origin: "https://evil.example.com",
    });
    expect(evil.status).toBe(200);
    expect(evil.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("data kept by s3rver's own store", () => {
  it("is moved into the emulator's store when a bucket is first opened", async () => {
    const require = createRequire(import.meta.url);
    const FilesystemStore = require("@20minutes/s3rver/lib/stores/filesystem") as new (
      dir: string,
    ) => {
      putBucket(name: string): Promise<unknown>;
      putObject(object: unknown): Promise<unknown>;
    };
    const S3Object = require("@20minutes/s3rver/lib/models/object") as new (
      ...args: unknown[]
    ) => unknown;
    const dir = await mkdtemp(join(tmpdir(), "filegate-s3-legacy-"));
    const legacy = new FilesystemStore(dir);
    await legacy.putBucket("legacy-bucket");
    const objects = {
      "tenants/acme/report.pdf": "%PDF-1.7",
      "tenants/acme/notes/today.txt": "notes",
    };
    for (const [key, body] of Object.entries(objects)) {
      await legacy.putObject(
        new S3Object("legacy-bucket", key, Buffer.from(body), {
          "content-type": "text/plain",
          "x-amz-meta-filegate-grant": "g1",
        }),
      );
    }
    const emulator = await startS3({ port: 0, directory: dir, bucket: "legacy-bucket" });
    const legacyClient = emulatorClient(emulator.endpoint);
    try {
      const listed = await legacyClient.send(new ListObjectsV2Command({ Bucket: "legacy-bucket" }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(Object.keys(objects).sort());
      for (const [key, body] of Object.entries(objects)) {
        const object = await legacyClient.send(
          new GetObjectCommand({ Bucket: "legacy-bucket", Key: key }),
        );
        expect(await object.Body?.transformToString()).toBe(body);
        expect(object.ContentType).toBe("text/plain");
        expect(object.Metadata).toEqual({ "filegate-grant": "g1" });
        expect(object.ETag).toBe(`"${md5(body)}"`);
      }
      expect((await filesUnder(dir)).filter((file) => file.includes("._S3rver_object"))).toEqual(
        [],
      );
    } finally {
      legacyClient.destroy();
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the local stack", () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("indexes the size and ETag of the upload that stays after 40 concurrent overwrites", async () => {
    const api = stack.state.apiUrl;
    const auth = await stack.auth("acme", "alice");
    const bodies = Array.from({ length: 40 }, (_, index) => randomBytes(256 * 1024 + index * 4099));
    await Promise.all(
      bodies.map(async (body) => {
        const grant = await fetch(`${api}/files/contended.bin`, {
          method: "PUT",
          headers: { ...auth, Accept: "application/json" },
        });
        expect(grant.status).toBe(200);
        const { url, headers } = (await grant.json()) as {
          url: string;
          headers: Record<string, string>;
        };
        const upload = await fetch(url, { method: "PUT", headers, body: new Blob([body]) });
        expect(upload.status).toBe(200);
      }),
    );
    const indexed = async () => {
      const head = await fetch(`${api}/files/contended.bin`, { method: "HEAD", headers: auth });
      return { size: Number(head.headers.get("content-length")), etag: head.headers.get("etag") };
    };
    const stored = async () => {
      const download = await fetch(`${api}/files/contended.bin`, { headers: auth });
      return download.status === 200 ? Buffer.from(await download.arrayBuffer()) : undefined;
    };
    // The index converges on the stored object, and stays there.
    const kept = await eventually(
      async () => {
        const body = await stored();
        if (!body) return undefined;
        const now = await indexed();
        return now.size === body.length && now.etag === `"${md5(body)}"` ? body : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(bodies.some((body) => body.equals(kept))).toBe(true);
    const expected = { size: kept.length, etag: `"${md5(kept)}"` };
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await indexed()).toEqual(expected);
  });
});
