import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { aws } from "../errors";
import { unquote } from "./etag";

/** One object of a ListObjectsV2 page. */
export interface ListedObject {
  objectKey: string;
  size: number;
  /** Without quotes. */
  etag: string;
  /** ISO 8601. */
  lastModified: string;
}

/** The bucket as the reconciler reads it: pages of objects, and the tenant prefixes. */
export interface ObjectLister {
  /** One page of the objects under `prefix`, in key order; `next` continues it. */
  list(
    prefix: string,
    options: { limit: number; next?: string | undefined },
  ): Promise<{ objects: ListedObject[]; next?: string | undefined }>;
  /** One page of the "folders" directly under `prefix` (each ends with '/'). */
  folders(
    prefix: string,
    options: { next?: string | undefined },
  ): Promise<{ folders: string[]; next?: string | undefined }>;
}

/** {@link ObjectLister} backed by S3 ListObjectsV2. */
export function s3ObjectLister(s3: S3Client, bucket: string): ObjectLister {
  return {
    async list(prefix, { limit, next }) {
      const page = await aws(
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: limit,
            ContinuationToken: next,
          }),
        ),
      );
      return {
        objects: (page.Contents ?? []).flatMap((object) =>
          object.Key === undefined
            ? []
            : [
                {
                  objectKey: object.Key,
                  size: object.Size ?? 0,
                  etag: unquote(object.ETag ?? ""),
                  lastModified: (object.LastModified ?? new Date(0)).toISOString(),
                },
              ],
        ),
        next: page.IsTruncated ? page.NextContinuationToken : undefined,
      };
    },
    async folders(prefix, { next }) {
      const page = await aws(
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            Delimiter: "/",
            ContinuationToken: next,
          }),
        ),
      );
      return {
        folders: (page.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
        next: page.IsTruncated ? page.NextContinuationToken : undefined,
      };
    },
  };
}
