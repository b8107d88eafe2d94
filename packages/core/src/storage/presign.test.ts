import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { createPresigner } from "./presign";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const signingDate = new Date("2026-11-25T12:00:00Z");

describe("createPresigner", () => {
  it("produces the URL the SDK's getSignedUrl would, path encoding included", async () => {
    const presigner = createPresigner({
      bucket: "my-bucket",
      region: "eu-west-1",
      credentials,
      expiresIn: 300,
      now: () => signingDate,
    });
    const client = new S3Client({
      region: "eu-west-1",
      credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const key = "tenants/acme/dir/a file+(1)é.txt";
    const ours = await presigner.presign({ method: "GET", objectKey: key });
    const sdk = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: "my-bucket", Key: key }),
      {
        expiresIn: 300,
        signingDate,
      },
    );
    const a = new URL(ours.url);
    const b = new URL(sdk);
    expect(a.origin + a.pathname).toBe(b.origin + b.pathname);
    // The SDK also signs an x-id=GetObject marker, so the signatures differ; every other
    // parameter is the same. (The emulator tests verify our signatures.)
    b.searchParams.delete("x-id");
    for (const url of [a, b]) url.searchParams.delete("X-Amz-Signature");
    expect(Object.fromEntries(a.searchParams)).toEqual(Object.fromEntries(b.searchParams));
    expect(a.pathname).toBe("/tenants/acme/dir/a%20file%2B%281%29%C3%A9.txt");
  });

  it("builds virtual-hosted URLs on AWS and path-style URLs on a custom endpoint", async () => {
    const aws = createPresigner({ bucket: "b", region: "us-east-1", credentials, expiresIn: 60 });
    expect((await aws.presign({ method: "GET", objectKey: "k" })).url).toMatch(
      /^https:\/\/b\.s3\.us-east-1\.amazonaws\.com\/k\?/,
    );
    const local = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials,
      expiresIn: 60,
      endpoint: "http://127.0.0.1:9000",
    });
    expect((await local.presign({ method: "GET", objectKey: "k" })).url).toMatch(
      /^http:\/\/127\.0\.0\.1:9000\/b\/k\?/,
    );
  });

  it("signs the headers the client must send and keeps them out of the query", async () => {
    const presigner = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials,
      expiresIn: 60,
    });
    const signed = await presigner.presign({
      method: "PUT",
      objectKey: "k",
      headers: { "Content-Type": "image/png", "If-None-Match": "*" },
    });
    const url = new URL(signed.url);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host;if-none-match");
    expect(url.searchParams.has("Content-Type")).toBe(false);
    expect(signed.headers).toEqual({ "Content-Type": "image/png", "If-None-Match": "*" });
  });

  it("never puts a checksum into a PUT URL (unlike an S3Client with default settings)", async () => {
    const presigner = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials,
      expiresIn: 60,
    });
    const ours = new URL((await presigner.presign({ method: "PUT", objectKey: "k" })).url);
    expect([...ours.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    // The pitfall this guards against: the SDK's defaults sign a CRC32 of an empty body.
    const defaults = new URL(
      await getSignedUrl(
        new S3Client({ region: "us-east-1", credentials }),
        new PutObjectCommand({ Bucket: "b", Key: "k" }),
      ),
    );
    expect(defaults.searchParams.get("x-amz-checksum-crc32")).toBe("AAAAAA==");
  });

  it("reports the expiry and refuses lifetimes SigV4 does not allow", async () => {
    const presigner = createPresigner({
      bucket: "b",
      region: "us-east-1",
      credentials,
      expiresIn: 120,
      now: () => signingDate,
    });
    expect((await presigner.presign({ method: "GET", objectKey: "k" })).expiresAt).toBe(
      "2026-11-25T12:02:00.000Z",
    );
    await expect(
      presigner.presign({ method: "GET", objectKey: "k", expiresIn: 604_801 }),
    ).rejects.toThrow(RangeError);
    expect(() =>
      createPresigner({ bucket: "b", region: "us-east-1", credentials, expiresIn: 0 }),
    ).toThrow(RangeError);
  });
});
