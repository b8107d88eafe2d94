import { S3Client } from "@aws-sdk/client-s3";

/** The S3 client for reads of object metadata (the local stack points it at its emulator). */
export const s3 = new S3Client({
  forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
