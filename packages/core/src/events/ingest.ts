import type { AuditLog } from "../audit";
import { type Attribution, actionOfEvent, eventRecordId, GRANT_METADATA } from "../audit";
import type { ApplyOutcome, FileIndex } from "../files";
import { normalizeSequencer } from "../table";
import { parseObjectKey } from "../tenancy";
import { decodeEventKey, type S3EventRecord } from "./notification";

/** What S3 says about an object now (HeadObject), or `undefined` when it is gone. */
export type DescribeObject = (
  objectKey: string,
) => Promise<{ contentType: string; etag: string; metadata: Record<string, string> } | undefined>;

export interface IngestDeps {
  index: Pick<FileIndex, "applyCreated" | "applyRemoved">;
  audit: Pick<AuditLog, "recordEvent" | "findGrant" | "latestGrantAt">;
  /** Events of other buckets are skipped. */
  bucket: string;
  describeObject: DescribeObject;
}

export type IngestOutcome = ApplyOutcome | "skipped";

export interface IngestResult {
  outcome: IngestOutcome;
  eventName: string;
  objectKey: string;
  sequencer: string;
  tenant?: string;
  key?: string;
  /** Who the event was attributed to, and how. */
  actor?: string | null;
  attribution?: Attribution;
  /** Why a record was skipped. */
  reason?: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Applies one S3 event record to the index and the audit journal. Created and removed events
 * change a file's state only if newer (by sequencer) than what the index holds; a repeat is a
 * no-op; a removal leaves a tombstone. Every applied or late event gets one audit record
 * (late ones marked stale), linked to the grant behind it where that can be known. Objects
 * outside the tenant layout, other buckets and other event types are skipped. Throws only
 * when the record cannot be processed (then it must be retried).
 */
export async function ingestRecord(record: S3EventRecord, deps: IngestDeps): Promise<IngestResult> {
  const objectKey = decodeEventKey(record.s3.object.key);
  const { sequencer } = record.s3.object;
  const base = { eventName: record.eventName, objectKey, sequencer };
  const seq = normalizeSequencer(sequencer);

  if (record.s3.bucket.name !== deps.bucket) {
    return {
      ...base,
      outcome: "skipped",
      reason: `event of another bucket (${record.s3.bucket.name})`,
    };
  }
  const action = actionOfEvent(record.eventName);
  if (!action) return { ...base, outcome: "skipped", reason: "not a created or removed event" };

  const location = parseObjectKey(objectKey);
  if (!location) return { ...base, outcome: "skipped", reason: "object outside the tenant layout" };
  const { tenant, key } = location;
  const eventTime = new Date(record.eventTime).toISOString();

  let outcome: ApplyOutcome;
  let etag: string | undefined;
  let grantId: string | undefined;
  if (action === "delete") {
    outcome = await deps.index.applyRemoved({ tenant, key, seq, eventTime });
  } else {
    etag = unquote(record.s3.object.eTag ?? "");
    const current = await deps.describeObject(objectKey);
    // Only trust what HeadObject says when it describes the very object of this event.
    const same = current !== undefined && (etag === "" || unquote(current.etag) === etag);
    if (same && current) {
      etag ||= unquote(current.etag);
      grantId = current.metadata[GRANT_METADATA];
    }
    outcome = await deps.index.applyCreated({
      tenant,
      key,
      seq,
      size: record.s3.object.size ?? 0,
      etag,
      contentType: same && current ? current.contentType : DEFAULT_CONTENT_TYPE,
      eventTime,
    });
  }

  const grant =
    action === "write"
      ? grantId
        ? await deps.audit.findGrant(tenant, key, grantId)
        : undefined
      : await deps.audit.latestGrantAt(tenant, key, "delete", eventTime);
  const attribution: Attribution = grant
    ? action === "write"
      ? "metadata"
      : "recent-grant"
    : "none";
  await deps.audit.recordEvent({
    id: eventRecordId(deps.bucket, objectKey, sequencer, record.eventName),
    tenant,
    key,
    action,
    event: record.eventName,
    eventTime,
    sequencer,
    ...(action === "write" ? { size: record.s3.object.size ?? 0, etag: etag ?? "" } : {}),
    stale: outcome === "stale",
    attribution,
    grant: grant && grant.actor !== null ? { id: grant.id, actor: grant.actor } : undefined,
  });
  return { ...base, tenant, key, outcome, actor: grant?.actor ?? null, attribution };
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, "$1");
}
