import type { TenantUsage } from "../accounts";
import type { AuditJournal } from "../audit";
import {
  type Attribution,
  actionOfEvent,
  type EventRecordInput,
  eventRecordId,
  GRANT_METADATA,
} from "../audit";
import { type ApplyOutcome, usageChange } from "../files";
import { type DescribeObject, unquote } from "../storage";
import { auditKey, type FileItem, normalizeSequencer } from "../table";
import { type FileKey, parseObjectKey, type TenantId } from "../tenancy";
import type { Arrival, UploadIntents, Verdict } from "../uploads";
import { admissionOf } from "./admission";
import type { EventCommitter } from "./commit";
import { attribute, supersededVerdict } from "./evidence";
import { decodeEventKey, type S3EventRecord } from "./notification";
import { type Admission, journalOf, type PlannedEvent, type PreparedEvent } from "./plan";

export interface IngestDeps {
  /** The table side: one read and one write per round of events. */
  commits: Pick<EventCommitter, "read" | "write">;
  audit: Pick<AuditJournal, "grantsAt">;
  /** Verification on arrival: is a created object the tenant's file, and what explains it. */
  verify(arrival: Arrival): Promise<Verdict>;
  accounts: Pick<TenantUsage, "adjust" | "release" | "admit">;
  intents: Pick<UploadIntents, "finish">;
  /** Events of other buckets are skipped. */
  bucket: string;
  describeObject: DescribeObject;
  /**
   * Tells {@link verify} where the limits of the batch's tenants are being read: with the
   * batch's states and journal records (one BatchGetItem), alongside the HeadObjects. Their
   * items, by tenant (`undefined`: the tenant has no limits of its own).
   */
  limitsRead?(
    tenants: readonly string[],
    items: Promise<ReadonlyMap<string, Record<string, unknown> | undefined>>,
  ): void;
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
  /** Created objects: admitted, or quarantined with the reason. */
  verdict?: "admitted" | "quarantined";
  /** Why a record was skipped, or an object quarantined. */
  reason?: string;
  /** The event's journal record, with how it changed the file (what webhooks tell of it). */
  record?: EventRecordInput;
}

/** What became of one record of a batch: its result, or why it must be retried. */
export type BatchEntry = { result: IngestResult } | { error: unknown };

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** A record's result, from its committed plan. */
export function resultOf(record: S3EventRecord | undefined, plan: PlannedEvent): IngestResult {
  const { event } = plan;
  const verdict = event.verdict;
  return {
    eventName: record?.eventName ?? "",
    objectKey: event.objectKey,
    sequencer: record?.s3.object.sequencer ?? "",
    tenant: event.tenant,
    key: event.key,
    outcome: plan.outcome,
    actor: event.grant?.actor ?? null,
    attribution: event.attribution,
    ...(verdict
      ? { verdict: verdict.admitted ? ("admitted" as const) : ("quarantined" as const) }
      : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    record: plan.journal ?? journalOf(event, plan.outcome, plan.seen),
  };
}

/** Where a record belongs: what the table is asked about it. */
export type Located = Pick<
  PreparedEvent,
  "at" | "objectKey" | "tenant" | "key" | "action" | "seq" | "eventTime" | "size" | "journalKey"
> & { id: string };

/**
 * The tenant's file a record is about, its sequencer and its journal record's key; or the
 * result of a record that is skipped. Throws on a record that cannot be read.
 */
export function locateRecord(
  record: S3EventRecord,
  at: number,
  bucket: string,
): Located | IngestResult {
  const objectKey = decodeEventKey(record.s3.object.key);
  const { sequencer } = record.s3.object;
  const seq = normalizeSequencer(sequencer);
  const event = locateEvent(record, objectKey, bucket);
  if ("reason" in event) {
    const base = { eventName: record.eventName, objectKey, sequencer };
    return { ...base, outcome: "skipped", reason: event.reason };
  }
  const { action, tenant, key } = event;
  const eventTime = new Date(record.eventTime).toISOString();
  const size = action === "write" ? (record.s3.object.size ?? 0) : 0;
  const id = eventRecordId(bucket, objectKey, sequencer, record.eventName);
  const journalKey = auditKey(tenant, key, eventTime, id);
  return { at, objectKey, tenant, key, action, seq, eventTime, size, id, journalKey };
}

/**
 * Everything about one located record but the table's say: what S3 holds and whether it is
 * admitted (created objects), who the event is attributed to, and its journal record.
 */
export async function prepare(
  record: S3EventRecord,
  place: Located,
  deps: Pick<IngestDeps, "describeObject" | "verify" | "audit" | "accounts">,
): Promise<PreparedEvent> {
  const { action, tenant, key, size, eventTime, id, ...rest } = place;
  const created =
    action === "write"
      ? await describeAndVerify(record, place.objectKey, { tenant, key, size }, deps)
      : { verdict: undefined, etag: "", contentType: DEFAULT_CONTENT_TYPE, admission: undefined };
  const evidence = await attribute(record, { tenant, key, action, eventTime, size }, created, deps);
  const verdict = created.verdict && supersededVerdict(created.verdict, evidence);
  const { grant, attribution, candidates } = evidence;
  const located = { tenant, key, action, eventTime, size, etag: created.etag };
  return {
    ...rest,
    ...located,
    contentType: created.contentType,
    ...(verdict ? { verdict } : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    grant,
    attribution,
    ...(created.admission ? { admission: created.admission } : {}),
    record: journalRecord(record, id, located, {
      grant,
      attribution,
      verdict,
      candidates,
      contentType: created.contentType,
    }),
  };
}

/** An event's journal record, but for whether it is stale. */
function journalRecord(
  record: S3EventRecord,
  id: string,
  event: Pick<PreparedEvent, "tenant" | "key" | "action" | "eventTime" | "size" | "etag">,
  why: Pick<PreparedEvent, "grant" | "attribution" | "verdict" | "contentType"> & {
    candidates?: string[];
  },
): PreparedEvent["record"] {
  const { grant, verdict } = why;
  return {
    id,
    tenant: event.tenant,
    key: event.key,
    action: event.action,
    event: record.eventName,
    eventTime: event.eventTime,
    sequencer: record.s3.object.sequencer,
    ...(event.action === "write" ? { size: event.size, etag: event.etag } : {}),
    attribution: why.attribution,
    grant: grant && grant.actor !== null ? { id: grant.id, actor: grant.actor } : undefined,
    candidates: why.candidates,
    ...(verdict ? { verdict: verdict.admitted ? "admitted" : "quarantined" } : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    ...(event.action === "write" ? { contentType: why.contentType } : {}),
    ...(verdict?.intent ? { intentId: verdict.intent.id } : {}),
  };
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
 * or removed since cannot be, and is quarantined), and what it must be admitted for against
 * the tenant's quotas ({@link admissionOf}; the batch admits them together).
 */
async function describeAndVerify(
  record: S3EventRecord,
  objectKey: string,
  at: { tenant: TenantId; key: FileKey; size: number },
  deps: Pick<IngestDeps, "describeObject" | "verify" | "accounts">,
): Promise<{ verdict: Verdict; etag: string; contentType: string; admission?: Admission }> {
  let etag = unquote(record.s3.object.eTag ?? "");
  const current = await deps.describeObject(objectKey);
  // Only what HeadObject says of the very object of this event can be verified.
  const same = current !== undefined && (etag === "" || unquote(current.etag) === etag);
  if (same && current) etag ||= unquote(current.etag);
  const contentType = same && current ? current.contentType : DEFAULT_CONTENT_TYPE;
  const verified: Verdict =
    same && current
      ? await deps.verify({
          ...at,
          contentType,
          metadata: current.metadata,
          sha256: current.sha256,
        })
      : {
          admitted: false,
          reason: "it was replaced or removed before it could be verified",
          replaced: true,
          currentGrant: current?.metadata[GRANT_METADATA],
        };
  const admission = admissionOf(at.size, verified);
  return { verdict: verified, etag, contentType, ...(admission ? { admission } : {}) };
}

/**
 * The accounting after a file's state changed, shared by event ingestion and the reconciler:
 * the tenant's usage moves by the change (only for the caller that wrote the change's audit
 * record: once per change), and an upload intent the object fulfils leaves `pending` (only
 * the call that moves it releases its reservation: `committed`, `quarantined`, or
 * `superseded` when its upload was replaced before it could be read).
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
  if (intent) {
    const { admitted, superseded } = change.verdict ?? {};
    const to = admitted ? "committed" : superseded ? "superseded" : "quarantined";
    if (await deps.intents.finish(intent.id, to, change.verdict?.reason)) {
      await deps.accounts.release(tenant, { bytes: intent.size, objects: 1 });
    }
  }
}
