import { S3Client } from "@aws-sdk/client-s3";

/**
 * An S3 client, for what presigned requests cannot do: multipart uploads and listing (the
 * reconciler). The local stack points it at its emulator.
 */
export const s3 = new S3Client({
  forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
