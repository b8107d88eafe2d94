import { type Attribution, type AuditJournal, attributeEvent } from "../audit";
import type { Verdict } from "../uploads";
import type { S3EventRecord } from "./notification";

/** What an event without a readable attestation is linked to, by the evidence S3 gives. */
export interface Evidence {
  attribution: Attribution;
  grant?: { id: string; actor: string | null } | undefined;
  candidates?: string[] | undefined;
  /** The upload intent whose upload this was, replaced before it could be read. */
  supersedes?: { id: string; size: number } | undefined;
}

/**
 * Links an event S3 reports without an attestation to read — a removal, or an upload replaced
 * before it could be verified — to a grant only when the evidence singles one out
 * (`attributeEvent`): grants of the action valid at the event's time, issued to the IP S3
 * reports. A replaced upload's candidates are write grants for its size, the one of the object
 * S3 now holds excluded; when the one that fits is an upload intent's, that intent is
 * superseded.
 */
export async function gatherEvidence(
  audit: Pick<AuditJournal, "grantsAt">,
  event: {
    tenant: string;
    key: string;
    action: "write" | "delete";
    eventTime: string;
    size: number;
    sourceIp: string | undefined;
    /** The grant of the object S3 holds now (not a candidate for a replaced upload). */
    currentGrant?: string | undefined;
  },
): Promise<Evidence> {
  const grants = await audit.grantsAt(event.tenant, event.key, event.action, event.eventTime);
  const fitting =
    event.action === "delete"
      ? grants
      : grants.filter(
          (grant) =>
            grant.id !== event.currentGrant &&
            (grant.conditions?.size === undefined || grant.conditions.size === event.size),
        );
  const found = attributeEvent(fitting, event.sourceIp);
  if (found.attribution === "ambiguous") return found;
  if (found.attribution === "none") return { attribution: "none" };
  const { grant } = found;
  const intent = grant.conditions?.intent;
  return {
    attribution: "recent-grant",
    grant: { id: grant.id, actor: grant.actor },
    ...(intent && event.action === "write"
      ? { supersedes: { id: intent, size: grant.conditions?.size ?? 0 } }
      : {}),
  };
}

/** The verdict of a replaced upload once its evidence is in: its intent, now superseded. */
export function supersededVerdict(verdict: Verdict, evidence: Evidence): Verdict {
  if (!evidence.supersedes) return verdict;
  return {
    ...verdict,
    intent: evidence.supersedes,
    superseded: true,
    reason: "its upload was replaced before it could be verified",
  };
}

/**
 * Who an event is attributed to: a verified upload, to its attestation's grant; a removal or
 * an upload replaced before it could be read, by the evidence S3 gives ({@link gatherEvidence}).
 */
export async function attribute(
  record: S3EventRecord,
  event: {
    tenant: string;
    key: string;
    action: "write" | "delete";
    eventTime: string;
    size: number;
  },
  created: { verdict: Verdict | undefined },
  deps: { audit: Pick<AuditJournal, "grantsAt"> },
): Promise<Evidence> {
  const { verdict } = created;
  if (event.action === "delete" || verdict?.replaced) {
    return gatherEvidence(deps.audit, {
      ...event,
      sourceIp: record.requestParameters?.sourceIPAddress,
      currentGrant: verdict?.currentGrant,
    });
  }
  return verdict?.grant
    ? { attribution: "metadata", grant: verdict.grant }
    : { attribution: "none" };
}
