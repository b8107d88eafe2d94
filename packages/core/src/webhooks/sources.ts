import type { AuditRecord, EventRecordInput } from "../audit";
import type { ChangeSource } from "./events";

/** The change an event's audit record tells of (live, from ingestion), or `undefined` (stale). */
export function sourceOfEventInput(input: EventRecordInput): ChangeSource | undefined {
  return sourceOf({
    ...input,
    time: input.eventTime,
    actor: input.grant?.actor ?? null,
    grantId: input.grant?.id,
  });
}

/** The change an audit record of the journal tells of (replays), or `undefined`. */
export function sourceOfRecord(record: AuditRecord): ChangeSource | undefined {
  return record.kind === "event" ? sourceOf(record) : undefined;
}

function sourceOf(
  record: Pick<
    AuditRecord,
    | "id"
    | "tenant"
    | "key"
    | "time"
    | "actor"
    | "change"
    | "stale"
    | "size"
    | "etag"
    | "contentType"
    | "attribution"
    | "grantId"
    | "intentId"
    | "sequencer"
    | "reason"
  >,
): ChangeSource | undefined {
  if (!record.change || record.stale) return undefined;
  const deleted = record.change === "deleted";
  const data = {
    tenant: record.tenant,
    key: record.key,
    ...(deleted ? {} : { size: record.size, etag: record.etag, contentType: record.contentType }),
    actor: record.actor,
    attribution: record.attribution,
    grantId: record.grantId,
    intentId: record.intentId,
    sequencer: record.sequencer,
    reason: record.reason,
  };
  const defined = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  return {
    recordId: record.id,
    change: record.change,
    eventTime: new Date(record.time).toISOString(),
    data: defined as unknown as ChangeSource["data"],
  };
}
