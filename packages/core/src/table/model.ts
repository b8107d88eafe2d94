/**
 * The single table behind the index: every key shape, index and item type in one place.
 * This module imports nothing from the AWS SDK: the SST config (`infra/storage.ts`) and the
 * local stack build the real table from {@link TABLE}, and every read and write in the
 * repositories goes through the key builders below.
 *
 * Access patterns (see docs/data-model.md for the AWS CLI query of each):
 * 1. one file of one tenant (ownership check) — GetItem `pk = FILE#<tenant>#<key>, sk = STATE`
 * 2. a tenant's present files by prefix — one Query per shard on `files`:
 *    `gsi1pk = FILES#<tenant>#<shard>, begins_with(gsi1sk, <prefix>)`, merged in key order;
 *    tombstones carry no gsi1 keys (sparse index)
 * 3. the history of one file — one Query on each of `pk = GRANTS#<tenant>#<key>` and
 *    `pk = EVENTS#<tenant>#<key>`, `begins_with(sk, LOG#)`, merged by `sk`
 * 4. a tenant's audit records in a time range — one Query per shard on `tenantLog`:
 *    `gsi2pk = LOG#<tenant>#<shard>, gsi2sk BETWEEN <from> AND <to>`, merged
 * 5. every tenant's audit records in a time range — one Query per shard on `allLog`:
 *    `gsi3pk = LOG#<shard>, gsi3sk BETWEEN <from> AND <to>`, merged
 * 6. an upload intent by id — GetItem `pk = UPLOAD#<id>, sk = UPLOAD`
 * 7. pending upload intents past their expiry — one Query per shard on `pending`:
 *    `gsi4pk = PENDING#<shard>, gsi4sk < <now>` (sparse: only pending intents)
 * 8. a tenant's limits and usage — Query `pk = TENANT#<tenant>` (both items), or GetItem
 *    `sk = LIMITS | USAGE` for one of them
 * 9. a tenant's webhook endpoints — Query `pk = WEBHOOKS#<tenant>`; one of them: GetItem
 *    `sk = WEBHOOK#<id>`
 * 10. an endpoint's delivery attempts, newest first — one Query per shard
 *    `pk = ATTEMPTS#<id>#<shard>`, merged
 * 11. webhook messages waiting to be queued again — one Query per shard `pk = OUTBOX#<shard>`
 */
export const TABLE = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
    gsi3pk: "string",
    gsi3sk: "string",
    gsi4pk: "string",
    gsi4sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    files: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
    tenantLog: { hashKey: "gsi2pk", rangeKey: "gsi2sk" },
    allLog: { hashKey: "gsi3pk", rangeKey: "gsi3sk" },
    pending: { hashKey: "gsi4pk", rangeKey: "gsi4sk" },
  },
  /** Epoch seconds after which DynamoDB may delete the item (tombstones, audit records). */
  ttl: "expiresAt",
} as const;

export type IndexName = keyof typeof TABLE.globalIndexes;

/** Item types, stored in the `type` attribute of every item. */
export const ItemType = {
  File: "file",
  Audit: "audit",
  Upload: "upload",
  Limits: "limits",
  Usage: "usage",
  Checkpoint: "checkpoint",
  Webhook: "webhook",
  Attempt: "attempt",
  Outbox: "outbox",
} as const;

const FILE_STATE_SK = "STATE";

/** Primary key of the current state (or tombstone) of one file. */
export function fileStateKey(tenant: string, key: string) {
  return { pk: `FILE#${tenant}#${key}`, sk: FILE_STATE_SK };
}

/**
 * Shards of a tenant's listing in the `files` index. Every new or removed file is one write to
 * the tenant's listing: spread by a hash of the key over this many partitions, one tenant can
 * add {@link FILES_SHARDS} × 500 files per second (items under 1 KB) before any partition
 * passes half of DynamoDB's 1,000 write units per second. A page reads every shard, merged
 * in key order ({@link FileIndex.list}).
 */
export const FILES_SHARDS = 4;

/** Keys of the `files` index for a present file; absent on tombstones. */
export function fileListingKeys(tenant: string, key: string) {
  return { gsi1pk: filesPartition(tenant, filesShardOf(key)), gsi1sk: key };
}

/** The listing shard of a file key. */
export function filesShardOf(key: string): number {
  return shardHash(key) % FILES_SHARDS;
}

/** The `files` index partition holding shard `shard` of one tenant's present files. */
export function filesPartition(tenant: string, shard: number): string {
  return `FILES#${tenant}#${shard}`;
}

/** Every listing partition of a tenant, shard 0 first. */
export function filesPartitions(tenant: string): string[] {
  return Array.from({ length: FILES_SHARDS }, (_, shard) => filesPartition(tenant, shard));
}

/** The tenant a listing partition belongs to (tenant ids hold no `#`). */
export function tenantOfFilesPartition(partition: string): string {
  return partition.slice("FILES#".length, partition.lastIndexOf("#"));
}

/** The stored shape of a file item (current state or tombstone). */
export interface FileItem {
  pk: string;
  sk: string;
  type: typeof ItemType.File;
  tenant: string;
  key: string;
  /** `quarantined`: the object exists but no upload explains it, or it broke its limits. */
  state: FileState;
  /** The S3 event sequencer that produced this state, normalised ({@link normalizeSequencer}). */
  seq: string;
  size?: number;
  etag?: string;
  contentType?: string;
  /** When S3 says the object was written or removed (ISO 8601). */
  eventTime: string;
  updatedAt: string;
  /** Why a quarantined object was not admitted. */
  reason?: string;
  /** State and size before the last change: how usage is adjusted exactly once per event. */
  prevState?: FileState | "none";
  prevSize?: number;
  gsi1pk?: string;
  gsi1sk?: string;
  expiresAt?: number;
}

export type FileState = "present" | "deleted" | "quarantined";

/** Width sequencers are padded to: far beyond the 16–20 hex digits S3 uses. */
export const SEQUENCER_WIDTH = 48;

/**
 * A sequencer in a form whose string order is its numeric order: upper-case hex, padded
 * with zeros on the left to {@link SEQUENCER_WIDTH}. Throws on anything that is not hex
 * or is too long.
 *
 * @example normalizeSequencer("0055AED6DCD90281E5") < normalizeSequencer("55AED6DCD90281E6")
 */
export function normalizeSequencer(sequencer: string): string {
  if (!/^[0-9A-Fa-f]{1,48}$/.test(sequencer)) {
    throw new RangeError(`Invalid S3 sequencer: ${JSON.stringify(sequencer)}`);
  }
  return sequencer.toUpperCase().padStart(SEQUENCER_WIDTH, "0");
}

/**
 * Write sharding of the audit indexes. DynamoDB serves 1,000 write units/s per partition key
 * (and an index that falls behind throttles the table's writes); the design keeps every key
 * under half of that. Every audit record is one write to each index, spread by a hash of its
 * id over:
 * - {@link TENANT_LOG_SHARDS} partitions per tenant: 4,000 records/s of up to 1 KB for one
 *   tenant (an upload makes two, its grant and its event; a download one);
 * - {@link ALL_LOG_SHARDS} partitions for everyone: 32,000 records/s of up to 1 KB in all,
 *   above the 30,000 that 10,000 uploads/s and 10,000 downloads/s make.
 * Reading a time range costs one Query per shard, run in parallel and merged in time order.
 * Changing a count only affects records written afterwards: keep them, or read both layouts.
 */
export const TENANT_LOG_SHARDS = 8;
export const ALL_LOG_SHARDS = 64;

/** Sort-key prefix of audit records in a file's history partition (pattern 3). */
export const LOG_PREFIX = "LOG#";

/**
 * The partitions of one file's history, apart from the file's own item: its grants in one,
 * its events in the other. A key uploaded and deleted over and over (each cycle two grants,
 * two events written in a transaction, two state changes) then spreads its writes over three
 * partition keys instead of one: 100 cycles a second put 200, 400 and 400 WCU/s on them,
 * where one partition would take 1,000. The history is one Query per partition, merged.
 */
export function historyPartition(tenant: string, key: string, kind: "grant" | "event"): string {
  return `${kind === "grant" ? "GRANTS" : "EVENTS"}#${tenant}#${key}`;
}

/** Both history partitions of a file: grants, then events. */
export function historyPartitions(tenant: string, key: string): string[] {
  return [historyPartition(tenant, key, "grant"), historyPartition(tenant, key, "event")];
}

/** Grant ids start with `g`; every other audit record (`e…`) is an event's. */
export function recordKindOfId(id: string): "grant" | "event" {
  return id.startsWith("g") ? "grant" : "event";
}

/** Primary key of one audit record: in its file's grant or event partition, in time order. */
export function auditKey(tenant: string, key: string, time: string, id: string) {
  return {
    pk: historyPartition(tenant, key, recordKindOfId(id)),
    sk: `${LOG_PREFIX}${time}#${id}`,
  };
}

/** The tenant-log partition of shard `shard`. */
export function tenantLogPartition(tenant: string, shard: number): string {
  return `LOG#${tenant}#${shard}`;
}

/** The all-tenants log partition of shard `shard`. */
export function allLogPartition(shard: number): string {
  return `LOG#${shard}`;
}

/** Index keys of an audit record: both logs sort by `<time>#<id>`, unique and time-ordered. */
export function auditIndexKeys(tenant: string, time: string, id: string) {
  const position = `${time}#${id}`;
  const hash = shardHash(id);
  return {
    gsi2pk: tenantLogPartition(tenant, hash % TENANT_LOG_SHARDS),
    gsi2sk: position,
    gsi3pk: allLogPartition(hash % ALL_LOG_SHARDS),
    gsi3sk: position,
  };
}

/** A stable, well-spread hash of an id (FNV-1a, 32 bits). */
export function shardHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Primary key of an upload intent. */
export function uploadKey(id: string) {
  return { pk: `UPLOAD#${id}`, sk: "UPLOAD" };
}

/** Shards of the `pending` index: intents are short-lived, four partitions are plenty. */
export const PENDING_SHARDS = 4;

/** Keys of the `pending` index, present only while an intent is pending. */
export function pendingKeys(id: string, expiresAt: string) {
  return { gsi4pk: pendingPartition(shardHash(id) % PENDING_SHARDS), gsi4sk: `${expiresAt}#${id}` };
}

export function pendingPartition(shard: number): string {
  return `PENDING#${shard}`;
}

/** The partition holding a tenant's limits and usage (pattern 8: one Query reads both). */
export function tenantPartition(tenant: string): string {
  return `TENANT#${tenant}`;
}

/** Primary keys of a tenant's limits and of its usage counters. */
export function tenantLimitsKey(tenant: string) {
  return { pk: tenantPartition(tenant), sk: "LIMITS" };
}
export function tenantUsageKey(tenant: string) {
  return { pk: tenantPartition(tenant), sk: "USAGE" };
}

/**
 * Primary key of the scheduled reconciler's checkpoint: the last tenant an all-tenant run
 * compared before its deadline, where the next run picks up.
 */
export function reconcilerCheckpointKey() {
  return { pk: "RECONCILER", sk: "CHECKPOINT" };
}

/** The partition of a tenant's webhook endpoints (pattern 9: one Query lists them). */
export function webhooksPartition(tenant: string): string {
  return `WEBHOOKS#${tenant}`;
}

/** Primary key of one webhook endpoint, in its tenant's partition. */
export function webhookKey(tenant: string, id: string) {
  return { pk: webhooksPartition(tenant), sk: `WEBHOOK#${id}` };
}

/**
 * Write sharding of delivery attempts: every attempt is one write, and one endpoint may take
 * every event of a busy tenant; 16 partitions take 16,000 attempts/s for one endpoint.
 */
export const ATTEMPT_SHARDS = 16;

/** The partition of shard `shard` of an endpoint's delivery attempts. */
export function attemptsPartition(endpoint: string, shard: number): string {
  return `ATTEMPTS#${endpoint}#${shard}`;
}

/** Primary key of one delivery attempt: sorted by time within its shard. */
export function attemptKey(endpoint: string, message: string, attempt: number, time: string) {
  return {
    pk: attemptsPartition(endpoint, shardHash(message) % ATTEMPT_SHARDS),
    sk: `${time}#${message}#${String(attempt).padStart(4, "0")}`,
  };
}

/** Shards of the webhook outbox (messages the queue refused, queued again by a job). */
export const OUTBOX_SHARDS = 4;

/** Primary key of one message waiting in the outbox. */
export function outboxKey(message: string, time: string) {
  return { pk: outboxPartition(shardHash(message) % OUTBOX_SHARDS), sk: `${time}#${message}` };
}

export function outboxPartition(shard: number): string {
  return `OUTBOX#${shard}`;
}
