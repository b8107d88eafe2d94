import { createHash } from "node:crypto";
import {
  ATTESTATION_METADATA,
  parseKeyring,
  sealAttestation,
} from "../../packages/core/src/attest";
import { GRANT_METADATA } from "../../packages/core/src/audit/grants";
import { BENCH } from "./environment";

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

/** The metadata header S3 answers a HeadObject with, carrying an upload's attestation. */
export const ATTESTATION_HEADER = `x-amz-meta-${ATTESTATION_METADATA}`;

const keyring = parseKeyring(BENCH.attestationKeys);

/**
 * The attestation a presigned PUT of Filegate's signs into an upload of `objectKey`: its write
 * grant (`grantIdFor`), the bench's actor, sealed with the bench's key (`BENCH.attestationKeys`,
 * which the handlers verify with).
 */
export function attestationFor(objectKey: string): string {
  return sealAttestation(keyring, objectKey, {
    actor: BENCH.actor,
    grantId: grantIdFor(objectKey),
    createOnly: false,
    issuedAt: GRANT_ISSUED.toISOString(),
    expiresAt: new Date(GRANT_ISSUED.getTime() + 300_000).toISOString(),
  });
}
