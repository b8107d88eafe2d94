import { encodeEventKey, type S3EventRecord } from "@filegate/core/events";

/**
 * One S3 event record as S3 writes it into a queue message (key form-encoded), for tests
 * that deliver events themselves. Created by default; pass `eventName` for others.
 */
export function s3Record(options: {
  bucket: string;
  objectKey: string;
  sequencer: string;
  eventName?: string;
  eventTime?: string;
  size?: number;
  eTag?: string;
}): S3EventRecord {
  const { bucket, objectKey, sequencer, size, eTag } = options;
  return {
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: options.eventTime ?? new Date().toISOString(),
    eventName: options.eventName ?? "ObjectCreated:Put",
    s3: {
      bucket: { name: bucket },
      object: {
        key: encodeEventKey(objectKey),
        sequencer,
        ...(size !== undefined ? { size } : {}),
        ...(eTag !== undefined ? { eTag } : {}),
      },
    },
  };
}
