import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Emulator, startS3 } from "../packages/local/src/s3/emulator";
import { emulatorClient } from "./helpers/s3-emulator";

// ListParts as S3 answers it (what a resuming client learns from `GET /uploads/{id}`), over
// HTTP with the SDK, which parses the emulator's XML as it parses S3's.
const BUCKET = "emulator-parts";
let root: string;
let s3: S3Emulator;
let client: S3Client;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "filegate-s3-parts-"));
  s3 = await startS3({ port: 0, directory: join(root, "s3"), bucket: BUCKET });
  client = emulatorClient(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

async function startUpload(key: string): Promise<string> {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  return created.UploadId as string;
}

describe("ListParts", () => {
  it("lists the uploaded parts ascending, with ETag, size and date, a page at a time", async () => {
    const key = "tenants/t/parts.bin";
    const uploadId = await startUpload(key);
    const bodies = new Map([
      [7, "seventh"],
      [2, "second part"],
      [3, "third"],
    ]);
    for (const [PartNumber, Body] of bodies) {
      await client.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber, Body }),
      );
    }
    const all = await client.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }),
    );
    expect(all.IsTruncated).toBe(false);
    expect(all.Parts?.map((part) => [part.PartNumber, part.ETag, part.Size])).toEqual(
      [2, 3, 7].map((n) => {
        const body = bodies.get(n) as string;
        return [n, `"${createHash("md5").update(body).digest("hex")}"`, body.length];
      }),
    );
    expect(all.Parts?.[0]?.LastModified).toBeInstanceOf(Date);

    const first = await client.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2 }),
    );
    expect(first.Parts?.map((part) => part.PartNumber)).toEqual([2, 3]);
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: "3" });
    const rest = await client.send(
      new ListPartsCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MaxParts: 2,
        PartNumberMarker: first.NextPartNumberMarker,
      }),
    );
    expect(rest.Parts?.map((part) => part.PartNumber)).toEqual([7]);
    expect(rest.IsTruncated).toBe(false);
  });

  it("knows no upload under another key, nor one aborted", async () => {
    const uploadId = await startUpload("tenants/t/mine.bin");
    const refusal = async (key: string) =>
      client.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })).then(
        () => "listed",
        (error: S3ServiceException) => `${error.name} ${error.$metadata.httpStatusCode}`,
      );
    expect(await refusal("tenants/other/mine.bin")).toBe("NoSuchUpload 404");
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: BUCKET,
        Key: "tenants/t/mine.bin",
        UploadId: uploadId,
      }),
    );
    expect(await refusal("tenants/t/mine.bin")).toBe("NoSuchUpload 404");
  });
});
