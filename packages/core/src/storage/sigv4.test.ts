import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import type { AwsCredentialIdentity } from "@smithy/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPresigner, type PresignerConfig, type PresignInput } from "./presign";
import { Sha256 } from "./sha256";
import { rfc3986 } from "./sigv4";

/**
 * The reference: the URL the SDK's `S3RequestPresigner` signs for the same request, built as
 * Filegate built it before it signed on `node:crypto` (path-style under an endpoint, every
 * header the client sends signed and kept a header, the query in the SDK's order).
 */
async function sdkUrl(config: PresignerConfig, input: PresignInput, signingDate: Date) {
  const signer = new S3RequestPresigner({
    credentials: config.credentials,
    region: config.region,
    sha256: Sha256,
  });
  const endpoint = config.endpoint ? new URL(config.endpoint) : undefined;
  const hostname = endpoint?.hostname ?? `${config.bucket}.s3.${config.region}.amazonaws.com`;
  const host = endpoint?.host ?? hostname;
  const prefix = endpoint
    ? `${endpoint.pathname.replace(/\/$/, "")}/${rfc3986(config.bucket)}`
    : "";
  const headers = input.headers ?? {};
  const signedHeaders = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const signed = await signer.presign(
    {
      method: input.method,
      protocol: endpoint?.protocol ?? "https:",
      hostname,
      ...(endpoint?.port ? { port: Number(endpoint.port) } : {}),
      path: `${prefix}/${input.objectKey.split("/").map(rfc3986).join("/")}`,
      query: { ...input.query },
      headers: { ...headers, host },
    },
    {
      expiresIn: input.expiresIn ?? config.expiresIn,
      signingDate,
      signableHeaders: signedHeaders,
      unhoistableHeaders: signedHeaders,
    },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${rfc3986(name)}=${rfc3986(String(value))}`)
    .join("&");
  return `${endpoint?.origin ?? `https://${hostname}`}${signed.path}?${query}`;
}

const special = fc.constantFrom(...[..." +()!*'&=?#%~._-éü😀\t/"], "%20", "..", ".");
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "grapheme-ascii", maxLength }),
    fc.string({ unit: special, maxLength }),
  );
const segment = fc.oneof(text(12), fc.constantFrom("tenants", "acme", "Q4 report (final).pdf"));

const headerName = fc.oneof(
  fc.constantFrom(
    "Content-Type",
    "If-None-Match",
    "If-Match",
    "Cache-Control",
    "Content-MD5",
    "User-Agent",
    "x-amz-checksum-sha256",
    "x-amz-meta-owner",
    "X-Amz-Server-Side-Encryption",
    "x-amz-content-sha256",
    "Host",
    "Date",
    "Authorization",
    "X-Amz-Date",
  ),
  fc.stringMatching(/^[A-Za-z0-9-]{1,16}$/),
);
const headerValue = fc.oneof(
  fc.string({
    unit: fc.constantFrom("a", "B", " ", "\t", "\r", "\n", "*", "é", "/", "\u00a0", "\v"),
    maxLength: 12,
  }),
  fc.constantFrom("application/pdf", "*", "  padded  value ", "UNSIGNED-PAYLOAD", "e3b0c442"),
);
// Header names are case-insensitive: one of each. (The SDK signs its own UNSIGNED-PAYLOAD over
// an `X-Amz-Content-Sha256` header not written in lower case: a signature S3 refuses.)
const headers = fc
  .uniqueArray(fc.tuple(headerName, headerValue), {
    selector: ([name]) => name.toLowerCase(),
    maxLength: 5,
  })
  .filter((pairs) =>
    pairs.every(
      ([name]) => name.toLowerCase() !== "x-amz-content-sha256" || name === name.toLowerCase(),
    ),
  );

const RESERVED =
  /^x-amz-(algorithm|content-sha256|credential|date|expires|security-token|signedheaders|signature)$/i;
const queryName = fc
  .oneof(
    fc.constantFrom(
      "partNumber",
      "uploadId",
      "x-amz-meta-filegate-grant",
      "x-amz-meta-filegate-attestation",
      "x-id",
      "response-content-disposition",
      "1",
      "10",
      "",
    ),
    text(10),
  )
  .filter((name) => !RESERVED.test(name) && name !== "__proto__");
const query = fc.uniqueArray(fc.tuple(queryName, text(40)), {
  selector: ([name]) => name,
  maxLength: 5,
});

const credentials = fc.record({
  accessKeyId: fc.oneof(fc.stringMatching(/^[A-Z0-9]{16,20}$/), text(20)),
  secretAccessKey: text(40),
  sessionToken: fc.option(text(60), { nil: undefined }),
});

describe("signing on node:crypto", () => {
  it("produces byte for byte the URL the SDK's S3RequestPresigner produces", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom("GET", "PUT", "DELETE", "HEAD" as const),
          segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
          headers: fc.option(headers, { nil: undefined }),
          query: fc.option(query, { nil: undefined }),
          expiresIn: fc.option(fc.integer({ min: 1, max: 604_800 }), { nil: undefined }),
          credentials,
          provider: fc.boolean(),
          signingDate: fc.date({
            min: new Date("2000-01-01T00:00:00Z"),
            max: new Date("2099-12-31T23:59:59Z"),
            noInvalidDate: true,
          }),
          bucket: fc.constantFrom("my-bucket", "files.example.com", "b"),
          region: fc.constantFrom("us-east-1", "eu-west-1", "ap-southeast-2"),
          endpoint: fc.constantFrom(
            undefined,
            "http://127.0.0.1:9000",
            "http://localhost:4566/",
            "https://s3.example.com/prefix",
            "https://s3.example.com:443",
          ),
        }),
        async (c) => {
          const identity: AwsCredentialIdentity = c.credentials;
          const config: PresignerConfig = {
            bucket: c.bucket,
            region: c.region,
            credentials: c.provider ? async () => identity : identity,
            expiresIn: 300,
            endpoint: c.endpoint,
            now: () => c.signingDate,
          };
          const input: PresignInput = {
            method: c.method,
            objectKey: c.segments.join("/"),
            headers: c.headers && Object.fromEntries(c.headers),
            query: c.query && Object.fromEntries(c.query),
            expiresIn: c.expiresIn,
          };
          const ours = await createPresigner(config).presign(input);
          expect(ours.url).toBe(await sdkUrl(config, input, c.signingDate));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps the signing key across URLs and derives a new one for a new day or new credentials", async () => {
    let now = new Date("2026-11-25T23:59:59Z");
    let identity: AwsCredentialIdentity = { accessKeyId: "AKID1", secretAccessKey: "one" };
    const config: PresignerConfig = {
      bucket: "b",
      region: "eu-west-1",
      credentials: async () => identity,
      expiresIn: 60,
      now: () => now,
    };
    const presigner = createPresigner(config);
    const input: PresignInput = { method: "GET", objectKey: "k" };
    const check = async () =>
      expect((await presigner.presign(input)).url).toBe(await sdkUrl(config, input, now));
    await check();
    now = new Date("2026-11-26T00:00:00Z");
    await check();
    identity = { accessKeyId: "AKID1", secretAccessKey: "two", sessionToken: "t/1" };
    await check();
    identity = { accessKeyId: "AKID2", secretAccessKey: "two", sessionToken: "t/2" };
    await check();
  });

  it("signs a payload hash given as x-amz-content-sha256 instead of UNSIGNED-PAYLOAD", async () => {
    const presigner = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      expiresIn: 60,
    });
    const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const url = new URL(
      (
        await presigner.presign({
          method: "PUT",
          objectKey: "k",
          headers: { "x-amz-content-sha256": hash },
        })
      ).url,
    );
    expect(url.searchParams.has("X-Amz-Content-Sha256")).toBe(false);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-amz-content-sha256");
  });

  it("refuses query parameters named like the ones SigV4 writes", async () => {
    const presigner = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      expiresIn: 60,
    });
    for (const name of ["X-Amz-Date", "x-amz-signature", "X-Amz-Security-Token"]) {
      await expect(
        presigner.presign({ method: "GET", objectKey: "k", query: { [name]: "1" } }),
      ).rejects.toThrow(RangeError);
    }
  });
});
