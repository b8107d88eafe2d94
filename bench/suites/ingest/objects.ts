/** The ingestion suite's objects: each an upload made with a write grant of the service. */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ATTESTATION_METADATA } from "@filegate/core/attest";
import { GRANT_METADATA } from "@filegate/core/audit";
import { BENCH } from "../../lib/environment";
import { attestationFor, grantIdFor } from "../../lib/grants";
import { inParallel } from "../../lib/measure";
import { FIXED_OBJECT } from "../../lib/servers";

/** An object the events report. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

/**
 * `count` objects: put into the S3 emulator, or, for the fixed-answer endpoint, the ones it
 * answers for. Events cycle through them: with as many objects as this, no two events of one
 * key are ever in flight together, so none is applied out of order (and none is stale).
 */
export async function storedObjects(emulator: boolean, count: number): Promise<StoredObject[]> {
  return emulator
    ? await uploadObjects(count)
    : Array.from({ length: count }, (_, i) => ({
        key: `tenants/${BENCH.tenant}/inbox/scan-${i}.pdf`,
        size: FIXED_OBJECT.size,
        etag: FIXED_OBJECT.etag,
      }));
}

/** Puts `count` objects into the S3 emulator, as uploads through presigned URLs would. */
async function uploadObjects(count: number): Promise<StoredObject[]> {
  const s3 = new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const objects: StoredObject[] = [];
  const body = Buffer.alloc(FIXED_OBJECT.size, 7);
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const key = `tenants/${BENCH.tenant}/inbox/scan-${i}.pdf`;
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: BENCH.bucket,
          Key: key,
          Body: body,
          ContentType: FIXED_OBJECT.contentType,
          // The write grant's id, as a presigned PUT of Filegate's signs it in.
          Metadata: {
            [GRANT_METADATA]: grantIdFor(key),
            [ATTESTATION_METADATA]: attestationFor(key),
          },
        }),
      );
      objects.push({ key, size: body.length, etag: (put.ETag ?? "").replaceAll('"', "") });
    },
  );
  s3.destroy();
  return objects;
}
