import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

/** The S3 operations uploads need beyond presigned URLs. */
export interface ObjectStorage {
  /** Starts a multipart upload; the metadata and content type are the object's. */
  createMultipart(
    objectKey: string,
    options: { contentType: string; metadata: Record<string, string> },
  ): Promise<string>;
  completeMultipart(
    objectKey: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    options: { createOnly: boolean },
  ): Promise<{ etag: string }>;
  abortMultipart(objectKey: string, uploadId: string): Promise<void>;
  /** The parts S3 holds of a multipart upload, ascending (ListParts, every page). */
  listParts(objectKey: string, uploadId: string): Promise<StoredPart[]>;
}

/** A part S3 holds: its number, ETag (as S3 gives it, quoted) and size. */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** {@link ObjectStorage} on an S3 client. */
export function s3ObjectStorage(s3: S3Client, bucket: string): ObjectStorage {
  return {
    async createMultipart(objectKey, { contentType, metadata }) {
      const result = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: objectKey,
          ContentType: contentType,
          Metadata: metadata,
        }),
      );
      if (!result.UploadId) throw new Error("S3 returned no multipart upload id");
      return result.UploadId;
    },
    async completeMultipart(objectKey, uploadId, parts, { createOnly }) {
      const result = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: objectKey,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
          },
          ...(createOnly ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return { etag: (result.ETag ?? "").replace(/^"(.*)"$/, "$1") };
    },
    async abortMultipart(objectKey, uploadId) {
      await s3.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectKey, UploadId: uploadId }),
      );
    },
    async listParts(objectKey, uploadId) {
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      do {
        const page = await s3.send(
          new ListPartsCommand({
            Bucket: bucket,
            Key: objectKey,
            UploadId: uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        );
        for (const part of page.Parts ?? []) {
          parts.push({
            partNumber: part.PartNumber ?? 0,
            etag: part.ETag ?? "",
            size: part.Size ?? 0,
          });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return parts;
    },
  };
}
