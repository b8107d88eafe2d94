import { createHash } from "node:crypto";
import { GRANT_METADATA } from "../../packages/core/src/audit/grants";

/** When the benchmark's write grants were issued: write grants are found by id, not by time. */
export const GRANT_ISSUED = new Date("2026-11-25T12:00:00.000Z");

/** The metadata header S3 answers a HeadObject with, naming an upload's write grant. */
export const GRANT_HEADER = `x-amz-meta-${GRANT_METADATA}`;

/**
 * The id of the write grant an upload of `objectKey` carries in its metadata, in the format
 * of Filegate's grant ids: derived from the key, so that the stand-in S3 server can name it
 * in its HeadObject answers without being told, and the suites can seed its record.
 */
export function grantIdFor(objectKey: string): string {
  const millis = GRANT_ISSUED.getTime().toString(16).padStart(12, "0");
  return `g${millis}${createHash("sha256").update(objectKey).digest("hex").slice(0, 15)}`;
}
