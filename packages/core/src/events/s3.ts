import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DescribeObject } from "./ingest";

/** {@link DescribeObject} backed by S3 HeadObject; a missing object is `undefined`. */
export function headObjectDescriber(s3: S3Client, bucket: string): DescribeObject {
  return async (objectKey) => {
    try {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: objectKey, ChecksumMode: "ENABLED" }),
      );
      return {
        contentType: head.ContentType ?? "application/octet-stream",
        etag: head.ETag ?? "",
        metadata: head.Metadata ?? {},
        sha256: head.ChecksumSHA256,
      };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404) return undefined;
      throw error;
    }
  };
}
