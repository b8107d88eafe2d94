import { type Keyring, seal } from "./keyring";

/** The object metadata field that carries an upload's attestation. */
export const ATTESTATION_METADATA = "filegate-attestation";
/** What attestation MACs are computed for: no other sealed value verifies as one. */
export const PURPOSE = "filegate-attestation-v1";

/**
 * What an upload URL was issued for, signed into the object itself: who (actor), under which
 * grant (and upload intent), on which conditions, when. The tenant and key are the object's
 * own: they are in the MAC, not the payload, so the value stays small (S3 allows 2 KB of
 * metadata) and cannot be moved to another object.
 */
export interface Attestation {
  actor: string | null;
  grantId: string;
  intentId?: string | undefined;
  /** Conditions bound at issue time (an intent's agreed size, type and checksum; create-only). */
  size?: number | undefined;
  contentType?: string | undefined;
  sha256?: string | undefined;
  createOnly?: boolean | undefined;
  /** What the file held when a plain PUT was granted (replaced on arrival), for quota admission. */
  replaces?: { bytes: number; objects: number } | undefined;
  /** Issue and expiry times, ISO 8601. */
  issuedAt: string;
  expiresAt: string;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * The attestation of an upload to `objectKey`, sealed with the keyring's signing key: the
 * value of its {@link ATTESTATION_METADATA} metadata. 503 `attestation_unconfigured` without a key.
 */
export function sealAttestation(keyring: Keyring, objectKey: string, a: Attestation): string {
  const payload = {
    a: a.actor,
    g: a.grantId,
    ...(a.intentId ? { i: a.intentId } : {}),
    ...(a.size !== undefined ? { s: a.size } : {}),
    ...(a.contentType !== undefined ? { t: a.contentType } : {}),
    ...(a.sha256 ? { h: a.sha256 } : {}),
    ...(a.createOnly ? { o: 1 } : {}),
    ...(a.replaces ? { r: [a.replaces.bytes, a.replaces.objects] } : {}),
    iat: seconds(a.issuedAt),
    exp: seconds(a.expiresAt),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return seal(keyring, PURPOSE, objectKey, encoded);
}
