import type { AccountLookup } from "../accounts";
import type { AuditJournal, AuditRecord } from "../audit";
import { GRANT_METADATA } from "../audit";
import { contentTypeAllowed, mediaType } from "../media";
import { INTENT_METADATA, type UploadIntent, type UploadIntents } from "./intents";

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
  /** The write grant the object was uploaded with. */
  grant?: AuditRecord;
  /** The upload intent it fulfils. */
  intent?: UploadIntent;
}

/**
 * Verification on arrival. An object uploaded through an intent must match it (size,
 * content type, checksum where S3 reports one). One uploaded with a plain presigned PUT must
 * respect the tenant's limits (largest file, allowed types), which that URL could not sign
 * in. Anything else — no intent, no grant, an intent of another key — is quarantined.
 */
export class UploadVerifier {
  constructor(
    private readonly deps: {
      intents: Pick<UploadIntents, "get">;
      audit: Pick<AuditJournal, "findGrant">;
      accounts: Pick<AccountLookup, "limits">;
    },
  ) {}

  async verify(arrival: Arrival): Promise<Verdict> {
    const intentId = arrival.metadata[INTENT_METADATA];
    const grantId = arrival.metadata[GRANT_METADATA];
    const grant = grantId
      ? await this.deps.audit.findGrant(arrival.tenant, arrival.key, grantId)
      : undefined;
    const withGrant = grant ? { grant } : {};

    if (intentId) {
      const intent = await this.deps.intents.get(intentId);
      if (!intent || intent.tenant !== arrival.tenant || intent.key !== arrival.key) {
        return {
          admitted: false,
          reason: "its upload intent is unknown or for another file",
          ...withGrant,
        };
      }
      const reason = mismatch(intent, arrival);
      return reason
        ? { admitted: false, reason, intent, ...withGrant }
        : { admitted: true, intent, ...withGrant };
    }
    if (grant?.action !== "write") {
      return { admitted: false, reason: "no upload intent or write grant explains it" };
    }
    const limits = await this.deps.accounts.limits(arrival.tenant);
    if (arrival.size > limits.maxObjectBytes) {
      return {
        admitted: false,
        reason: `it is larger than the tenant's limit of ${limits.maxObjectBytes} bytes`,
        grant,
      };
    }
    if (!contentTypeAllowed(arrival.contentType, limits.allowedContentTypes)) {
      return {
        admitted: false,
        reason: `its content type ${arrival.contentType} is not allowed`,
        grant,
      };
    }
    return { admitted: true, grant };
  }
}

function mismatch(intent: UploadIntent, arrival: Arrival): string | undefined {
  if (intent.status === "aborted" || intent.status === "expired")
    return `its upload intent was ${intent.status}`;
  if (arrival.size !== intent.size)
    return `its size ${arrival.size} is not the ${intent.size} bytes agreed`;
  if (mediaType(arrival.contentType) !== mediaType(intent.contentType)) {
    return `its content type ${arrival.contentType} is not the ${intent.contentType} agreed`;
  }
  if (intent.sha256 && arrival.sha256 && arrival.sha256 !== intent.sha256)
    return "its SHA-256 is not the one agreed";
  return undefined;
}
