import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type Keyring, parseKeyring } from "../attest/keyring";
import { aws, fromAwsError, isConditionFailed } from "../errors";
import {
  allItems,
  type FileItem,
  fileListingKeys,
  fileStateKey,
  filesPartition,
  normalizeSequencer,
  type TableAccess,
} from "../table";
import type { FileKey, TenantId } from "../tenancy";
import { decodeCursor, encodeCursor } from "./cursor";
import { FileLookup, type FileView, toView } from "./lookup";
import { createdState, deletedState, type StateUpdate, stateUpdateInput } from "./state";

export interface ListPage {
  items: FileView[];
  /** Pass back to get the next page; `null` on the last page. */
  cursor: string | null;
}

/** What applying one S3 event did to the index. */
export type ApplyOutcome = "applied" | "duplicate" | "stale";

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The stored item afterwards; for `applied` and `duplicate` it is this event's state. */
  item?: FileItem;
}

export interface CreatedEvent {
  tenant: TenantId;
  key: FileKey;
  /** Normalised sequencer. */
  seq: string;
  size: number;
  etag: string;
  contentType: string;
  eventTime: string;
  /** Default `present`; `quarantined` keeps the object out of the listing. */
  state?: "present" | "quarantined";
  reason?: string;
}

export interface RemovedEvent {
  tenant: TenantId;
  key: FileKey;
  seq: string;
  eventTime: string;
}

/** A file as the reconciler observed it in S3 (ListObjectsV2 and HeadObject). */
export interface ObservedFile {
  tenant: TenantId;
  key: FileKey;
  size: number;
  etag: string;
  contentType: string;
  /** The object's Last-Modified (ISO 8601): the repaired state's `eventTime`. */
  lastModified: string;
}

export interface FileIndexOptions extends TableAccess {
  /** How long a tombstone outlives the delete, so that a late create cannot resurrect the file. */
  tombstoneTtlSeconds: number;
  /** The keys listing cursors are sealed with (without: no page can name its next). */
  cursorKeys?: Keyring;
  now?: () => Date;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** The sequencer of a state no event has produced yet (older than any real event). */
const NO_SEQUENCER = normalizeSequencer("0");

/**
 * The index of files: current state per file (with tombstones), and the per-tenant listing.
 * Writes are conditional on the S3 sequencer, so replays, duplicates and out-of-order events
 * converge to the state of the newest event per key.
 */
export class FileIndex extends FileLookup {
  private readonly tombstoneTtlSeconds: number;
  private readonly cursorKeys: Keyring;
  private readonly now: () => Date;

  constructor(options: FileIndexOptions) {
    super(options);
    this.tombstoneTtlSeconds = options.tombstoneTtlSeconds;
    this.cursorKeys = options.cursorKeys ?? parseKeyring("");
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One page of a tenant's present files whose keys start with `prefix`, in key order.
   *
   * @example await index.list("acme", { prefix: "photos/", limit: 50 })
   */
  async list(
    tenant: TenantId,
    options: { prefix?: string; limit?: number; cursor?: string | undefined } = {},
  ): Promise<ListPage> {
    const prefix = options.prefix ?? "";
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const after = options.cursor
      ? decodeCursor(this.cursorKeys, options.cursor, tenant, prefix)
      : undefined;
    const partition = filesPartition(tenant);
    const result = await aws(
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: "files",
          KeyConditionExpression:
            prefix === "" ? "gsi1pk = :p" : "gsi1pk = :p AND begins_with(gsi1sk, :prefix)",
          ExpressionAttributeValues:
            prefix === "" ? { ":p": partition } : { ":p": partition, ":prefix": prefix },
          // One more than the page tells whether another page exists, so no empty last page.
          Limit: limit + 1,
          ...(after === undefined
            ? {}
            : {
                ExclusiveStartKey: {
                  ...fileStateKey(tenant, after),
                  ...fileListingKeys(tenant, after),
                },
              }),
        }),
      ),
    );
    const items = (result.Items ?? []) as FileItem[];
    const page = items.slice(0, limit).map(toView);
    const last = page.at(-1);
    return {
      items: page,
      cursor:
        items.length > limit && last
          ? encodeCursor(this.cursorKeys, tenant, prefix, last.key)
          : null,
    };
  }

  /**
   * Every tenant that has present files (for the reconciler's all-tenants run): one Scan of
   * the sparse `files` index, reading only its partition keys.
   */
  async tenantsWithFiles(): Promise<string[]> {
    const tenants = new Set<string>();
    const scan = { kind: "scan" as const, TableName: this.tableName, IndexName: "files" };
    for await (const item of allItems(this.client, { ...scan, ProjectionExpression: "gsi1pk" })) {
      tenants.add(String(item.gsi1pk).slice(filesPartition("").length));
    }
    return [...tenants].sort();
  }

  /** Bytes and number of a tenant's present files, counted from the listing index. */
  async totals(tenant: TenantId): Promise<{ bytes: number; objects: number }> {
    let bytes = 0;
    let objects = 0;
    for await (const item of allItems(this.client, {
      TableName: this.tableName,
      IndexName: "files",
      KeyConditionExpression: "gsi1pk = :p",
      ProjectionExpression: "#size",
      ExpressionAttributeNames: { "#size": "size" },
      ExpressionAttributeValues: { ":p": filesPartition(tenant) },
    })) {
      bytes += Number(item.size ?? 0);
      objects++;
    }
    return { bytes, objects };
  }

  /**
   * Records an ObjectCreated event unless the index already holds this or a newer event. The
   * object is `present` (listed) or, when its upload did not pass verification, `quarantined`
   * (kept out of the listing and of every route).
   */
  async applyCreated(event: CreatedEvent): Promise<ApplyResult> {
    return this.applyConditionally(event.tenant, event.key, event.seq, this.createdState(event));
  }

  /** Records an ObjectRemoved event as a tombstone unless a newer event is already applied. */
  async applyRemoved(event: RemovedEvent): Promise<ApplyResult> {
    return this.applyConditionally(event.tenant, event.key, event.seq, this.deletedState(event));
  }

  /**
   * Repair (the reconciler): records a file S3 holds but the index misses or describes
   * outdated, only if its item is still exactly as `seen` — none, or the same sequencer and
   * update time — so it never undoes an event applied meanwhile. The item keeps the
   * sequencer of the last applied event (zero when there was none): every event S3 has not
   * delivered yet is newer and still applies over the repair. The stored item, or
   * `undefined` when the item changed.
   */
  async restorePresent(
    file: ObservedFile & { state?: "present" | "quarantined"; reason?: string },
    seen: FileItem | undefined,
  ): Promise<FileItem | undefined> {
    const seq = seen?.seq ?? NO_SEQUENCER;
    const update = this.createdState({ ...file, eventTime: file.lastModified });
    return this.repair(file.tenant, file.key, seen, seq, update);
  }

  /**
   * Repair (the reconciler): tombstones a file whose object is gone from S3, only if its item
   * is still exactly as `seen`. The tombstone keeps the item's sequencer, so the delete event,
   * should it still come, applies as usual. The stored item, or `undefined` when it changed.
   */
  async markGone(seen: FileItem): Promise<FileItem | undefined> {
    const update = this.deletedState({ eventTime: this.now().toISOString() });
    return this.repair(seen.tenant as TenantId, seen.key as FileKey, seen, seen.seq, update);
  }

  private createdState(file: Omit<CreatedEvent, "seq">): StateUpdate {
    return createdState(file);
  }

  private deletedState(file: { eventTime: string }): StateUpdate {
    return deletedState(file, this.now(), this.tombstoneTtlSeconds);
  }

  private async applyConditionally(
    tenant: TenantId,
    key: FileKey,
    seq: string,
    update: StateUpdate,
  ): Promise<ApplyResult> {
    const item = await this.write(
      tenant,
      key,
      seq,
      update,
      "attribute_not_exists(pk) OR seq < :seq",
    );
    if (item) return { outcome: "applied", item };
    // The index holds this event or a newer one; which of the two only matters for reporting.
    const current = await this.get(tenant, key);
    return current?.seq === seq
      ? { outcome: "duplicate", item: current }
      : { outcome: "stale", ...(current ? { item: current } : {}) };
  }

  private repair(
    tenant: TenantId,
    key: FileKey,
    seen: FileItem | undefined,
    seq: string,
    update: StateUpdate,
  ): Promise<FileItem | undefined> {
    if (!seen) return this.write(tenant, key, seq, update, "attribute_not_exists(pk)");
    return this.write(tenant, key, seq, update, "seq = :seq AND updatedAt = :seenUpdatedAt", {
      ":seenUpdatedAt": seen.updatedAt,
    });
  }

  /** One conditional write of a file's state: the stored item, or `undefined` when the condition fails. */
  private async write(
    tenant: TenantId,
    key: FileKey,
    seq: string,
    update: StateUpdate,
    condition: string,
    conditionValues: Record<string, unknown> = {},
  ): Promise<FileItem | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          ...stateUpdateInput({
            tableName: this.tableName,
            tenant,
            key,
            seq,
            update,
            condition,
            conditionValues,
            now: this.now(),
          }),
          ReturnValues: "ALL_NEW",
        }),
      );
      return result.Attributes as FileItem;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw fromAwsError(error);
    }
  }
}
