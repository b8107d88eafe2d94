import type { Amount, TenantAccounts } from "../accounts";
import type { AuditJournal } from "../audit";
import {
  type Attribution,
  actionOfEvent,
  type EventRecordInput,
  eventRecordId,
  GRANT_METADATA,
} from "../audit";
import { Errors } from "../errors";
import { type ApplyOutcome, usageChange } from "../files";
import { type DescribeObject, unquote } from "../storage";
import { auditKey, type FileItem, normalizeSequencer } from "../table";
import { type FileKey, parseObjectKey, type TenantId } from "../tenancy";
import type { Arrival, UploadIntents, Verdict } from "../uploads";
import { admitArrival, NOTHING } from "./admission";
import { backoff, type EventCommitter } from "./commit";
import { attribute, supersededVerdict } from "./evidence";
import { decodeEventKey, type S3EventRecord } from "./notification";
import { journalOf, type PlannedEvent, type PreparedEvent, planEvent, rounds } from "./plan";

export interface IngestDeps {
  /** The table side: one read and one write per round of events. */
  commits: Pick<EventCommitter, "read" | "write">;
  audit: Pick<AuditJournal, "grantsAt">;
  /** Verification on arrival: is a created object the tenant's file, and what explains it. */
  verify(arrival: Arrival): Promise<Verdict>;
  accounts: Pick<TenantAccounts, "adjust" | "release" | "admit">;
  intents: Pick<UploadIntents, "finish">;
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
/** Reads and writes of one round before its events are given up (and retried by the queue). */
const MAX_ATTEMPTS = 6;

/**
 * Applies one S3 event record to the index, the audit journal and the tenant's usage: a
 * batch of one ({@link ingestBatch}). Throws when the record cannot be processed (then it
 * must be retried).
 */
export async function ingestRecord(record: S3EventRecord, deps: IngestDeps): Promise<IngestResult> {
  const [entry] = await ingestBatch([record], deps);
  if (!entry || "error" in entry) throw entry?.error;
  return entry.result;
}

/**
 * Applies a batch of S3 event records to the index, the audit journal and the tenants' usage.
 *
 * - A created or removed event changes a file's state only if it is newer (by sequencer)
 *   than what the index holds; a repeat is a no-op; a removal leaves a tombstone.
 * - A created object is verified ({@link IngestDeps.verify}): admitted, it becomes the
 *   tenant's file; otherwise it is quarantined: kept in S3, out of the listing and the API.
 * - Every event gets one audit record (late ones marked stale), linked to the grant behind it.
 * - Usage moves once per event, summed per tenant, in the same transaction as the states
 *   and records ({@link EventCommitter}); only the call that closes an upload intent
 *   releases its reservation.
 *
 * The whole batch costs one read and one write of the table per round (events of one file
 * beyond the first take another round). Objects outside the tenant layout, other buckets
 * and other event types are skipped. A record that cannot be processed gets an `error`.
 */
export async function ingestBatch(
  records: readonly S3EventRecord[],
  deps: IngestDeps,
): Promise<BatchEntry[]> {
  const entries: BatchEntry[] = new Array(records.length);
  const events: PreparedEvent[] = [];
  await Promise.all(
    records.map(async (record, at) => {
      try {
        const prepared = await prepare(record, at, deps);
        if ("outcome" in prepared) entries[at] = { result: prepared };
        else events.push(prepared);
      } catch (error) {
        entries[at] = { error };
      }
    }),
  );
  for (const round of rounds(events)) {
    try {
      await commitAndSettle(round, records, entries, deps);
    } catch (error) {
      if (round.length === 1) {
        entries[round[0]?.at ?? 0] = { error };
        continue;
      }
      // Whatever broke the round's write, it fails only the events it belongs to.
      for (const event of round) {
        await commitAndSettle([event], records, entries, deps).catch((alone: unknown) => {
          entries[event.at] = { error: alone };
        });
      }
    }
  }
  return entries;
}

/** Commits a round, then settles the upload intents its objects fulfil. */
async function commitAndSettle(
  round: PreparedEvent[],
  records: readonly S3EventRecord[],
  entries: BatchEntry[],
  deps: IngestDeps,
): Promise<void> {
  for (const plan of await commitRound(round, deps)) {
    await settle(deps, plan.event.tenant, {
      item: undefined,
      recorded: false,
      verdict: plan.event.verdict,
    });
    entries[plan.event.at] = { result: resultOf(records[plan.event.at], plan) };
  }
}

/** Reads, plans and writes one round until every event is committed (or gives up). */
async function commitRound(
  events: PreparedEvent[],
  deps: Pick<IngestDeps, "commits">,
): Promise<PlannedEvent[]> {
  const done: PlannedEvent[] = [];
  let pending = events;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === MAX_ATTEMPTS) {
      throw Errors.serviceUnavailable("The files of these events kept changing; retry later");
    }
    if (attempt > 0) await backoff(attempt);
    const seen = await deps.commits.read(pending);
    const plans = pending.map((event) => planEvent(event, seen));
    const retry = new Set(await deps.commits.write(plans));
    done.push(...plans.filter((plan) => !retry.has(plan)));
    pending = [...retry].map((plan) => plan.event);
  }
  return done;
}

/** A record's result, from its committed plan. */
function resultOf(record: S3EventRecord | undefined, plan: PlannedEvent): IngestResult {
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

/**
 * Everything about one record but the table's say: where it belongs (or why it is skipped),
 * what S3 holds and whether it is admitted (created objects), who the event is attributed
 * to, and its journal record.
 */
async function prepare(
  record: S3EventRecord,
  at: number,
  deps: Pick<IngestDeps, "bucket" | "describeObject" | "verify" | "audit" | "accounts">,
): Promise<PreparedEvent | IngestResult> {
  const objectKey = decodeEventKey(record.s3.object.key);
  const { sequencer } = record.s3.object;
  const seq = normalizeSequencer(sequencer);
  const event = locateEvent(record, objectKey, deps.bucket);
  if ("reason" in event) {
    const base = { eventName: record.eventName, objectKey, sequencer };
    return { ...base, outcome: "skipped", reason: event.reason };
  }
  const { action, tenant, key } = event;
  const eventTime = new Date(record.eventTime).toISOString();
  const size = action === "write" ? (record.s3.object.size ?? 0) : 0;
  const created =
    action === "write"
      ? await describeAndVerify(record, objectKey, { tenant, key, size }, deps)
      : { verdict: undefined, etag: "", contentType: DEFAULT_CONTENT_TYPE, admitted: NOTHING };
  const evidence = await attribute(record, { tenant, key, action, eventTime, size }, created, deps);
  const verdict = created.verdict && supersededVerdict(created.verdict, evidence);
  const { grant, attribution, candidates } = evidence;
  const id = eventRecordId(deps.bucket, objectKey, sequencer, record.eventName);
  const located = { tenant, key, action, eventTime, size, etag: created.etag };
  return {
    ...located,
    at,
    objectKey,
    seq,
    contentType: created.contentType,
    ...(verdict ? { verdict } : {}),
    ...(verdict?.reason ? { reason: verdict.reason } : {}),
    grant,
    attribution,
    admitted: created.admitted,
    journalKey: auditKey(tenant, key, eventTime, id),
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
 * or removed since cannot be, and is quarantined), then admitted against the tenant's quotas
 * ({@link admitArrival}).
 */
async function describeAndVerify(
  record: S3EventRecord,
  objectKey: string,
  at: { tenant: TenantId; key: FileKey; size: number },
  deps: Pick<IngestDeps, "describeObject" | "verify" | "accounts">,
): Promise<{ verdict: Verdict; etag: string; contentType: string; admitted: Amount }> {
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
  const { verdict, admitted } = await admitArrival(deps.accounts, at.tenant, at.size, verified);
  return { verdict, etag, contentType, admitted };
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
