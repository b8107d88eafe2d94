import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createPresigner, headObjectDescriber } from "@filegate/core/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_CREDENTIALS, type S3Emulator, startS3 } from "../packages/local/src/s3/emulator";

// The subscriber learns an object's Content-Type with a presigned HEAD: against the S3
// emulator, which checks SigV4 signatures, it must be a request S3 accepts.
const BUCKET = "describe-test";
const KEY = "tenants/acme/scans/a b+c (1).pdf";
let s3: S3Emulator;
let directory: string;
let etag: string;

const describer = (secretAccessKey: string = S3_CREDENTIALS.secretAccessKey) =>
  headObjectDescriber(
    createPresigner({
      bucket: BUCKET,
      region: "us-east-1",
      credentials: { ...S3_CREDENTIALS, secretAccessKey },
      expiresIn: 300,
      endpoint: s3.endpoint,
    }),
  );

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "filegate-describe-"));
  s3 = await startS3({ port: 0, directory, bucket: BUCKET });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  const put = await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: KEY,
      Body: "%PDF-1.7",
      ContentType: "application/pdf",
      Metadata: { "filegate-grant": "g0000000000000000000000000" },
    }),
  );
  etag = put.ETag ?? "";
  client.destroy();
});
afterAll(async () => {
  await s3?.stop();
  await rm(directory, { recursive: true, force: true });
});

describe("headObjectDescriber", () => {
  it("reads an object's Content-Type, ETag and metadata with a presigned HEAD", async () => {
    expect(etag).not.toBe("");
    expect(await describer()(KEY)).toEqual({
      contentType: "application/pdf",
      etag,
      metadata: { "filegate-grant": "g0000000000000000000000000" },
    });
  });

  it("answers undefined for an object that is gone", async () => {
    expect(await describer()("tenants/acme/scans/missing.pdf")).toBeUndefined();
  });

  it("throws when S3 refuses the request, so the record is retried", async () => {
    await expect(describer("not-the-secret")(KEY)).rejects.toThrow(/answered 403/);
  });
});
