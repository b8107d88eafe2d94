import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { isBucketName } from "./keys";
import { S3Error } from "./s3rver-models";

const UPLOAD_ID = /^[0-9a-f]{32}$/;

const hashOf = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/**
 * Where the store keeps each thing on disk. Only a valid bucket name, a hash of a key, an
 * upload id or a part number reach a path: no key does.
 */
export class StorePaths {
  constructor(readonly root: string) {}

  bucket(bucket: string): string {
    if (!isBucketName(bucket)) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
        BucketName: bucket,
      });
    }
    return join(this.root, bucket);
  }

  object(bucket: string, key: string): string {
    return join(this.bucket(bucket), ".objects", hashOf(key));
  }

  tags(bucket: string, key: string): string {
    return join(this.bucket(bucket), ".tags", `${hashOf(key)}.xml`);
  }

  /** A fresh name to write aside, then rename into place. */
  temp(bucket: string): string {
    return join(this.bucket(bucket), ".tmp", randomBytes(16).toString("hex"));
  }

  /** The folder of a multipart upload, or `undefined` for what is no upload id. */
  upload(bucket: string, uploadId: unknown): string | undefined {
    if (typeof uploadId !== "string" || !UPLOAD_ID.test(uploadId)) return undefined;
    return join(this.bucket(bucket), ".uploads", uploadId);
  }

  /** A bucket configuration (CORS, website) or, with a key, the object's tags. */
  subresource(bucket: string, key: string | undefined, type: string): string {
    return key === undefined || key === ""
      ? join(this.bucket(bucket), ".config", `${type}.xml`)
      : this.tags(bucket, key);
  }
}
