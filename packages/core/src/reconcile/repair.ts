import type { AuditJournal } from "../audit";
import { eventRecordId } from "../audit";
import { type IngestDeps, settle } from "../events";
import type { FileIndex } from "../files";
import { type DescribeObject, unquote } from "../storage";
import type { FileItem } from "../table";
import { type FileKey, objectKeyFor, type TenantId } from "../tenancy";
import type { Verdict } from "../uploads";

/** What the reconciler found wrong with one file, and what it did about it. */
export interface Repair {
  tenant: string;
  key: string;
  /** `missing`: in S3, not in the index; `outdated`: the index describes an older object; `gone`: indexed, not in S3. */
  found: "missing" | "outdated" | "gone";
  /** `reported`: a dry run; `skipped`: left alone, see `reason`. */
  action: "added" | "updated" | "quarantined" | "tombstoned" | "reported" | "skipped";
  reason?: string;
}

export interface RepairDeps extends Pick<IngestDeps, "verify" | "accounts" | "intents"> {
  index: Pick<FileIndex, "get" | "restorePresent" | "markGone">;
  audit: Pick<AuditJournal, "recordEvent" | "latestGrantAt">;
  bucket: string;
  /** A fresh HeadObject: what S3 holds now. */
  describeObject: DescribeObject;
  now?: () => Date;
}

/** An object S3 listed for a tenant's file. */
export interface FoundObject {
  tenant: TenantId;
  key: FileKey;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: string;
}

/** Names of the journal records of repairs (they are not S3 events, and say so). */
export const RECONCILED_FOUND = "Reconciler:ObjectFound";
export const RECONCILED_GONE = "Reconciler:ObjectGone";

/**
 * Admits into the index an object S3 holds but the index misses (no item, or a tombstone) or
 * describes outdated (another ETag or size). The one way the reconciler adds files: checks
 * that belong to every admission of an object (upload verification, quarantine, usage
 * counters) go here, as they go into event ingestion.
 *
 * Race-safe by order: it reads the item first, then confirms the object with a fresh
 * HeadObject (the ETag it was listed with), then writes only if the item is unchanged since
 * the read (same sequencer and update time). Whatever the item said was applied from events
 * of S3 operations done before the read, so S3's state at the HeadObject is at least as new:
 * the repair cannot move the index backwards, and an event applied meanwhile makes it give
 * up. (S3's LastModified cannot order against event times: listings give it to the second,
 * and for a multipart upload it is the upload's start.) The repaired item keeps the sequencer
 * of the last applied event, so any event not yet delivered still applies over it.
 */
export async function admitObject(
  object: FoundObject,
  deps: RepairDeps,
  options: { dryRun?: boolean } = {},
): Promise<Repair | undefined> {
  const { tenant, key } = object;
  const seen = await deps.index.get(tenant, key);
  const known = seen?.state === "present" || seen?.state === "quarantined";
  if (known && seen.etag === object.etag && seen.size === object.size) {
    // In sync: an event landed since the index was listed, or the object is quarantined.
    return undefined;
  }
  const found = seen?.state === "present" ? "outdated" : "missing";
  const repair = (action: Repair["action"], reason?: string): Repair => ({
    tenant,
    key,
    found,
    action,
    ...(reason ? { reason } : {}),
  });
  const objectKey = objectKeyFor(tenant, key);
  const head = await deps.describeObject(objectKey);
  if (!head || unquote(head.etag) !== object.etag) {
    return repair("skipped", "the object changed since it was listed");
  }
  if (options.dryRun) return repair("reported");
  // The same verification as an event's: a found object that nothing explains is quarantined.
  const verdict = await deps.verify({
    tenant,
    key,
    size: object.size,
    contentType: head.contentType,
    metadata: head.metadata,
    sha256: head.sha256,
  });
  const item = await deps.index.restorePresent(
    {
      ...object,
      contentType: head.contentType,
      state: verdict.admitted ? "present" : "quarantined",
      ...(verdict.reason ? { reason: verdict.reason } : {}),
    },
    seen,
  );
  if (!item) return repair("skipped", "the index changed while repairing");

  const recorded = await journalFound(object, seen, verdict, deps);
  await settle(deps, tenant, { item, recorded, verdict });
  if (!verdict.admitted) return repair("quarantined", verdict.reason);
  return repair(found === "missing" ? "added" : "updated");
}

/**
 * Tombstones an indexed file whose object is gone. Race-safe: only when the item is still
 * present and unchanged since read, and a fresh HeadObject finds no object. A file with a
 * delete grant still valid is left to its delete event, which is likely on its way.
 */
export async function buryFile(
  tenant: TenantId,
  key: FileKey,
  deps: RepairDeps,
  options: { dryRun?: boolean } = {},
): Promise<Repair | undefined> {
  const seen = await deps.index.get(tenant, key);
  if (seen?.state !== "present") return undefined; // a delete event landed meanwhile
  const repair = (action: Repair["action"], reason?: string): Repair => ({
    tenant,
    key,
    found: "gone",
    action,
    ...(reason ? { reason } : {}),
  });
  const objectKey = objectKeyFor(tenant, key);
  if (await deps.describeObject(objectKey)) {
    return repair("skipped", "the object exists (written since it was listed)");
  }
  const now = (deps.now?.() ?? new Date()).toISOString();
  if (await deps.audit.latestGrantAt(tenant, key, "delete", now)) {
    return repair("skipped", "deleted through the API just now: its event is on the way");
  }
  if (options.dryRun) return repair("reported");
  const item = await deps.index.markGone(seen);
  if (!item) return repair("skipped", "the index changed while repairing");
  const recorded = await deps.audit.recordEvent({
    id: eventRecordId(deps.bucket, objectKey, repairMark(seen), RECONCILED_GONE),
    tenant,
    key,
    action: "delete",
    event: RECONCILED_GONE,
    eventTime: now,
    sequencer: shortSequencer(seen),
    stale: false,
    attribution: "reconciled",
  });
  await settle(deps, tenant, { item, recorded: recorded === "written", verdict: undefined });
  return repair("tombstoned");
}

/** Journals an admitted (or quarantined) found object; `true` when the record is new. */
async function journalFound(
  object: FoundObject,
  seen: FileItem | undefined,
  verdict: Verdict,
  deps: RepairDeps,
): Promise<boolean> {
  const { tenant, key } = object;
  const { grant } = verdict;
  const recorded = await deps.audit.recordEvent({
    id: eventRecordId(
      deps.bucket,
      objectKeyFor(tenant, key),
      `${object.etag}@${object.lastModified}/${repairMark(seen)}`,
      RECONCILED_FOUND,
    ),
    tenant,
    key,
    action: "write",
    event: RECONCILED_FOUND,
    // When it was found: the object's own time is in the index (eventTime).
    eventTime: (deps.now?.() ?? new Date()).toISOString(),
    sequencer: shortSequencer(seen),
    size: object.size,
    etag: object.etag,
    stale: false,
    attribution: "reconciled",
    grant: grant && grant.actor !== null ? { id: grant.id, actor: grant.actor } : undefined,
    verdict: verdict.admitted ? "admitted" : "quarantined",
    ...(verdict.reason ? { reason: verdict.reason } : {}),
  });
  return recorded === "written";
}

/** What makes one repair's journal record unique: the state it replaced. */
function repairMark(seen: FileItem | undefined): string {
  return seen ? `${seen.seq}@${seen.updatedAt}` : "none";
}

/** The sequencer a repaired item keeps, without its padding ("0" when none). */
function shortSequencer(seen: FileItem | undefined): string {
  return seen?.seq.replace(/^0+(?=.)/, "") ?? "0";
}
