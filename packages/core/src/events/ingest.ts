import type { TenantAccounts } from "../accounts";
import type { AuditJournal } from "../audit";
import {
  type Attribution,
  actionOfEvent,
  type EventRecordInput,
  eventRecordId,
  type FileChange,
} from "../audit";
import { type ApplyResult, type FileIndex, type RemovedEvent, usageChange } from "../files";
import { type DescribeObject, unquote } from "../storage";
import { type FileItem, normalizeSequencer } from "../table";
import { type FileKey, parseObjectKey, type TenantId } from "../tenancy";
import type { Arrival, UploadIntents, Verdict } from "../uploads";
import { decodeEventKey, type S3EventRecord } from "./notification";

export interface IngestDeps {
  index: Pick<FileIndex, "applyCreated" | "applyRemoved">;
  audit: Pick<AuditJournal, "recordEvent" | "latestGrantAt">;
  /** Verification on arrival: is a created object the tenant's file, and what explains it. */
  verify(arrival: Arrival): Promise<Verdict>;
  accounts: Pick<TenantAccounts, "adjust" | "release">;
  intents: Pick<UploadIntents, "finish">;
  /** Events of other buckets are skipped. */
  bucket: string;
  describeObject: DescribeObject;
}

export type IngestOutcome = ApplyResult["outcome"] | "skipped";

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
  /** Created objects: admitted, or quarantined with the reason. */
  verdict?: "admitted" | "quarantined";
  /** Why a record was skipped, or an object quarantined. */
  reason?: string;
  /** The event's audit record (what webhooks tell of it), unless skipped. */
  record?: EventRecordInput;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Applies one S3 event record to the index, the audit journal and the tenant's usage.
 *
 * - A created or removed event changes a file's state only if it is newer (by sequencer)
 *   than what the index holds; a repeat is a no-op; a removal leaves a tombstone.
 * - A created object is verified ({@link IngestDeps.verify}): admitted, it becomes the
 *   tenant's file; otherwise it is quarantined: kept in S3, out of the listing and the API.
 * - Every event gets one audit record (late ones marked stale), linked to the grant behind it.
 * - Usage moves once per event: only the delivery that wrote the audit record adjusts it, and
 *   only the call that closes an upload intent releases its reservation.
 *
 * Objects outside the tenant layout, other buckets and other event types are skipped.
 * Throws only when the record cannot be processed (then it must be retried).
 */
export async function ingestRecord(record: S3EventRecord, deps: IngestDeps): Promise<IngestResult> {
  const objectKey = decodeEventKey(record.s3.object.key);
  const { sequencer } = record.s3.object;
  const base = { eventName: record.eventName, objectKey, sequencer };
  const seq = normalizeSequencer(sequencer);
  const event = locateEvent(record, objectKey, deps.bucket);
  if ("reason" in event) return { ...base, outcome: "skipped", reason: event.reason };
  const { action, tenant, key } = event;
  const eventTime = new Date(record.eventTime).toISOString();
  const size = record.s3.object.size ?? 0;
  const at = { tenant, key, seq, eventTime };

  const { applied, verdict, etag, contentType } =
    action === "delete"
      ? { applied: await deps.index.applyRemoved(at), verdict: undefined, etag: "" }
      : await applyCreation(record, objectKey, { ...at, size }, deps);

  const { grant, attribution, written, input } = await recordAudit(
    record,
    { ...at, objectKey, action, size, etag, contentType, applied, verdict },
    deps,
  );

  await settle(deps, tenant, {
    item: applied.outcome === "stale" ? undefined : applied.item,
    recorded: written === "written",
    verdict,
  });

  return {
    ...base,
    tenant,
    key,
    outcome: applied.outcome,
    actor: grant?.actor ?? null,
    attribution,
    ...(verdict
      ? { verdict: verdict.admitted ? ("admitted" as const) : ("quarantined" as const) }
      : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    record: input,
  };
}

/** How an applied event changed the file, or `undefined` when it was stale. */
export function changeOf(
  action: "write" | "delete",
  applied: ApplyResult,
  verdict: Verdict | undefined,
): FileChange | undefined {
  if (applied.outcome === "stale") return undefined;
  if (action === "delete") return "deleted";
  if (!verdict?.admitted) return "quarantined";
  return applied.item?.prevState === "present" ? "updated" : "created";
}

/** The tenant's file an event is about and what happened to it, or why it is skipped. */
function locateEvent(
  record: S3EventRecord,
  objectKey: string,
  bucket: string,
): { action: "write" | "delete"; tenant: TenantId; key: FileKey } | { reason: string } {
  if (record.s3.bucket.name !== bucket) {
    return { reason: `event of another bucket (${record.s3.bucket.name})` };
  }
  const action = actionOfEvent(record.eventName);
  if (!action) return { reason: "not a created or removed event" };
  const location = parseObjectKey(objectKey);
  if (!location) return { reason: "object outside the tenant layout" };
  return { action, ...location };
}

/**
 * A created object: verified against what HeadObject says of that very object (one replaced
 * or removed since cannot be, and is quarantined), then applied to the index.
 */
async function applyCreation(
  record: S3EventRecord,
  objectKey: string,
  at: RemovedEvent & { size: number },
  deps: Pick<IngestDeps, "describeObject" | "verify" | "index">,
): Promise<{ applied: ApplyResult; verdict: Verdict; etag: string; contentType: string }> {
  const { tenant, key, size } = at;
  let etag = unquote(record.s3.object.eTag ?? "");
  const current = await deps.describeObject(objectKey);
  // Only what HeadObject says of the very object of this event can be verified.
  const same = current !== undefined && (etag === "" || unquote(current.etag) === etag);
  if (same && current) etag ||= unquote(current.etag);
  const contentType = same && current ? current.contentType : DEFAULT_CONTENT_TYPE;
  const verdict: Verdict =
    same && current
      ? await deps.verify({
          tenant,
          key,
          size,
          contentType,
          metadata: current.metadata,
          sha256: current.sha256,
        })
      : { admitted: false, reason: "it was replaced or removed before it could be verified" };
  const applied = await deps.index.applyCreated({
    ...at,
    etag,
    contentType,
    state: verdict.admitted ? "present" : "quarantined",
    ...(verdict.reason ? { reason: verdict.reason } : {}),
  });
  return { applied, verdict, etag, contentType };
}

/**
 * The event's one audit record (stale when the index held a newer state), linked to the grant
 * behind it: the one the object was uploaded with, or the latest delete grant of the file.
 */
async function recordAudit(
  record: S3EventRecord,
  event: RemovedEvent & {
    objectKey: string;
    action: "write" | "delete";
    size: number;
    etag: string;
    contentType?: string;
    applied: ApplyResult;
    verdict: Verdict | undefined;
  },
  deps: Pick<IngestDeps, "audit" | "bucket">,
) {
  const { tenant, key, action, eventTime, verdict } = event;
  const { sequencer } = record.s3.object;
  const grant =
    action === "write"
      ? verdict?.grant
      : await deps.audit.latestGrantAt(tenant, key, "delete", eventTime);
  const attribution: Attribution = grant
    ? action === "write"
      ? "metadata"
      : "recent-grant"
    : "none";
  const change = changeOf(action, event.applied, verdict);
  const input: EventRecordInput = {
    id: eventRecordId(deps.bucket, event.objectKey, sequencer, record.eventName),
    tenant,
    key,
    action,
    event: record.eventName,
    eventTime,
    sequencer,
    ...(action === "write" ? { size: event.size, etag: event.etag } : {}),
    stale: event.applied.outcome === "stale",
    attribution,
    grant: grant && grant.actor !== null ? { id: grant.id, actor: grant.actor } : undefined,
    ...(verdict ? { verdict: verdict.admitted ? "admitted" : "quarantined" } : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    ...(change ? { change } : {}),
    ...(event.contentType ? { contentType: event.contentType } : {}),
    ...(verdict?.intent ? { intentId: verdict.intent.id } : {}),
  };
  const written = await deps.audit.recordEvent(input);
  return { grant, attribution, written, input };
}

/**
 * The accounting after a file's state changed, shared by event ingestion and the reconciler:
 * the tenant's usage moves by the change (only for the caller that wrote the change's audit
 * record: once per change), and an upload intent the object fulfils leaves `pending` (only
 * the call that moves it releases its reservation).
 */
export async function settle(
  deps: Pick<IngestDeps, "accounts" | "intents">,
  tenant: string,
  change: { item: FileItem | undefined; recorded: boolean; verdict: Verdict | undefined },
): Promise<void> {
  if (change.recorded && change.item) {
    await deps.accounts.adjust(tenant, usageChange(change.item));
  }
  const intent = change.verdict?.intent;
  if (intent?.status === "pending") {
    const to = change.verdict?.admitted ? "committed" : "quarantined";
    if (await deps.intents.finish(intent.id, to, change.verdict?.reason)) {
      await deps.accounts.release(tenant, { bytes: intent.size, objects: 1 });
    }
  }
}
