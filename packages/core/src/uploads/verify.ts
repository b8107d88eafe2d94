import type { AccountLookup, TenantLimits } from "../accounts";
import { ATTESTATION_METADATA, type Attestation, type Keyring, openAttestation } from "../attest";
import { contentTypeAllowed, mediaType } from "../media";
import { type FileKey, objectKeyFor, type TenantId } from "../tenancy";

/** What arrived: the event's object, and what HeadObject says of it. */
export interface Arrival {
  tenant: string;
  key: string;
  size: number;
  contentType: string;
  metadata: Record<string, string>;
  /** Base64 SHA-256, when S3 reports one. */
  sha256?: string | undefined;
}

/** Whether an arrived object becomes the tenant's file, and what explains it. */
export interface Verdict {
  admitted: boolean;
  /** Why it was quarantined. */
  reason?: string;
  /** The write grant the object was uploaded with, as its attestation names it. */
  grant?: { id: string; actor: string | null };
  /** The upload intent it fulfils (its id and agreed size, from the attestation). */
  intent?: { id: string; size: number };
  /** The verified attestation. */
  attestation?: Attestation;
  /** The upload was replaced in S3 before it could be read (no attestation to verify). */
  replaced?: boolean;
  /** A replaced upload: the grant of the object S3 holds now, as its metadata names it. */
  currentGrant?: string | undefined;
  /** Its upload intent ended superseded: replaced before verification. */
  superseded?: boolean;
  /** A plain PUT's tenant limits, read to verify it: its arrival is then admitted against them. */
  limits?: TenantLimits;
}

/**
 * Verification on arrival, in memory: the object's attestation (sealed into its metadata when
 * the URL was issued; S3 refuses an upload that alters or omits it) must verify under one of
 * the service's keys for this very object. An upload through an intent must then match what
 * it agreed (size, content type, checksum where S3 reports one); one through a plain
 * presigned PUT must respect the tenant's limits (largest file, allowed types), which that
 * URL could not sign in. Anything else is quarantined. No journal or intent record is read:
 * admission survives their expiry and a restore of the table.
 */
export class UploadVerifier {
  constructor(
    private readonly deps: {
      keyring: Keyring;
      accounts: Pick<AccountLookup, "limits">;
    },
  ) {}

  async verify(arrival: Arrival): Promise<Verdict> {
    const objectKey = objectKeyFor(arrival.tenant as TenantId, arrival.key as FileKey);
    const sealed = arrival.metadata[ATTESTATION_METADATA];
    const attestation = openAttestation(this.deps.keyring, objectKey, sealed);
    if (!attestation) {
      return {
        admitted: false,
        reason: sealed
          ? "its attestation does not verify (altered, of another object, or under an unknown key)"
          : "it carries no attestation of an upload this service granted",
      };
    }
    const found = {
      attestation,
      grant: { id: attestation.grantId, actor: attestation.actor },
    };
    if (attestation.intentId) {
      const intent = { id: attestation.intentId, size: attestation.size ?? 0 };
      const reason = mismatch(attestation, arrival);
      return reason
        ? { admitted: false, reason, intent, ...found }
        : { admitted: true, intent, ...found };
    }
    const limits = await this.deps.accounts.limits(arrival.tenant);
    if (arrival.size > limits.maxObjectBytes) {
      return {
        admitted: false,
        reason: `it is larger than the tenant's limit of ${limits.maxObjectBytes} bytes`,
        ...found,
      };
    }
    if (!contentTypeAllowed(arrival.contentType, limits.allowedContentTypes)) {
      return {
        admitted: false,
        reason: `its content type ${arrival.contentType} is not allowed`,
        ...found,
      };
    }
    return { admitted: true, limits, ...found };
  }
}

/** How an intent's upload differs from what it agreed (the attested conditions), if it does. */
function mismatch(agreed: Attestation, arrival: Arrival): string | undefined {
  if (agreed.size !== undefined && arrival.size !== agreed.size)
    return `its size ${arrival.size} is not the ${agreed.size} bytes agreed`;
  if (
    agreed.contentType !== undefined &&
    mediaType(arrival.contentType) !== mediaType(agreed.contentType)
  ) {
    return `its content type ${arrival.contentType} is not the ${agreed.contentType} agreed`;
  }
  if (agreed.sha256 && arrival.sha256 && arrival.sha256 !== agreed.sha256)
    return "its SHA-256 is not the one agreed";
  return undefined;
}
