import type { Amount, TenantLimits } from "../accounts";
import type { Attribution, AuditRecord, EventRecordInput, FileChange } from "../audit";
import { type ApplyOutcome, transition, usageChange } from "../files";
import type { FileItem, FileState } from "../table";
import type { FileKey, TenantId } from "../tenancy";
import type { Verdict } from "../uploads";
import { type JournalKey, type Seen, stateId } from "./seen";

/** What a verified plain PUT must be admitted for: its growth, against its tenant's limits. */
export interface Admission {
  amount: Amount;
  limits: TenantLimits;
}

/** One S3 event, located, described and verified: everything but the table's say. */
export interface PreparedEvent {
  /** Position of its record in the batch. */
  at: number;
  /** The decoded S3 object key. */
  objectKey: string;
  tenant: TenantId;
  key: FileKey;
  action: "write" | "delete";
  /** Normalised sequencer. */
  seq: string;
  eventTime: string;
  size: number;
  etag: string;
  contentType: string;
  /** Created objects: admitted or not, and why. */
  verdict?: Verdict;
  reason?: string;
  /** The grant the event is attributed to: its attestation (writes) or the journal (deletes). */
  grant?: Pick<AuditRecord, "id" | "actor"> | undefined;
  attribution: Attribution;
  /** A verified plain PUT of a tenant with quotas: what it must be admitted for (`admitBatch`). */
  admission?: Admission;
  /** Usage its quota admission already added (`admitBatch`): taken off its change. */
  admitted?: Amount;
  /** The event's journal record, but for `stale`, which only the table can tell. */
  record: Omit<EventRecordInput, "stale">;
  journalKey: JournalKey;
}

/** What committing one event changes, decided from what the table held when read. */
export interface PlannedEvent {
  event: PreparedEvent;
  outcome: ApplyOutcome;
  /** The file's item as read (none: no item). */
  seen?: FileItem | undefined;
  /** The file's new state, when the event applies. */
  state?: FileState;
  /** The event's journal record, when it is not written yet. */
  journal?: EventRecordInput;
  /** How the tenant's usage moves with this write (never zero). */
  counts?: Amount;
}

/**
 * Plans one event against the table as read:
 * - the file's state changes only if the event is newer (by sequencer) than what it holds:
 *   `applied`; the same event is a `duplicate`, an older one `stale`;
 * - the journal record is written once: only when it is not there yet;
 * - usage moves with the write of the record, by the change of the file's state the record
 *   stands for (none for a stale event): once per event, however often it is delivered.
 */
export function planEvent(event: PreparedEvent, seen: Seen): PlannedEvent {
  const current = seen.states.get(stateId(event.tenant, event.key));
  const outcome: ApplyOutcome =
    !current || current.seq < event.seq
      ? "applied"
      : current.seq === event.seq
        ? "duplicate"
        : "stale";
  const state = outcome === "applied" ? nextState(event) : undefined;
  const item =
    state !== undefined
      ? transition(current, { state, size: event.size })
      : outcome === "duplicate"
        ? current
        : undefined;
  const journaled = seen.journaled.has(event.record.id);
  // What quota admission added counts toward the change; a repeat gives it back.
  const change = !journaled && item ? usageChange(item) : { bytes: 0, objects: 0 };
  const admitted = event.admitted ?? { bytes: 0, objects: 0 };
  const counts = nonZero({
    bytes: change.bytes - admitted.bytes,
    objects: change.objects - admitted.objects,
  });
  return {
    event,
    outcome,
    seen: current,
    ...(state ? { state } : {}),
    ...(journaled ? {} : { journal: journalOf(event, outcome, current) }),
    ...(counts ? { counts } : {}),
  };
}

/** The journal record of an event as planned: whether it is stale, and how it changed the file. */
export function journalOf(
  event: PreparedEvent,
  outcome: ApplyOutcome,
  current: FileItem | undefined,
): EventRecordInput {
  const change = changeOf(event, outcome, current);
  return { ...event.record, stale: outcome === "stale", ...(change ? { change } : {}) };
}

/**
 * How an event changed the tenant's file (what its webhook tells), or `undefined` when stale.
 * A duplicate tells the change it made the first time: the state before it is `prevState`.
 */
export function changeOf(
  event: Pick<PreparedEvent, "action" | "verdict">,
  outcome: ApplyOutcome,
  current: FileItem | undefined,
): FileChange | undefined {
  if (outcome === "stale") return undefined;
  if (event.action === "delete") return "deleted";
  if (!event.verdict?.admitted) return "quarantined";
  const before = outcome === "applied" ? current?.state : current?.prevState;
  return before === "present" ? "updated" : "created";
}

function nextState(event: PreparedEvent): FileState {
  if (event.action === "delete") return "deleted";
  return event.verdict?.admitted ? "present" : "quarantined";
}

function nonZero(amount: Amount): Amount | undefined {
  return amount.bytes === 0 && amount.objects === 0 ? undefined : amount;
}

/**
 * The events of a batch in rounds: the first event (by sequencer) of each file, then the
 * second, and so on. A transaction touches an item once, and two events of one file apply
 * in order.
 */
export function rounds(events: readonly PreparedEvent[]): PreparedEvent[][] {
  const byFile = new Map<string, PreparedEvent[]>();
  for (const event of events) {
    const id = stateId(event.tenant, event.key);
    byFile.set(id, [...(byFile.get(id) ?? []), event]);
  }
  const result: PreparedEvent[][] = [];
  for (const fileEvents of byFile.values()) {
    fileEvents.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    for (const [round, event] of fileEvents.entries()) {
      if (!result[round]) result[round] = [];
      result[round].push(event);
    }
  }
  return result;
}
