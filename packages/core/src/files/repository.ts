import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { aws, fromAwsError, isConditionFailed } from "../errors";
import {
  type FileItem,
  fileListingKeys,
  fileStateKey,
  filesPartition,
  ItemType,
  normalizeSequencer,
} from "../table";
import type { FileKey, TenantId } from "../tenancy";
import { decodeCursor, encodeCursor } from "./cursor";

/** A present file as the API shows it. */
export interface FileView {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
}

export interface ListPage {
  items: FileView[];
  /** Pass back to get the next page; `null` on the last page. */
  cursor: string | null;
}

/** What applying one S3 event did to the index. */
export type ApplyOutcome = "applied" | "duplicate" | "stale";

export interface CreatedEvent {
  tenant: TenantId;
  key: FileKey;
  /** Normalised sequencer. */
  seq: string;
  size: number;
  etag: string;
  contentType: string;
  eventTime: string;
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

export interface FileIndexOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a tombstone outlives the delete, so that a late create cannot resurrect the file. */
  tombstoneTtlSeconds: number;
  now?: () => Date;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** The sequencer of a state no event has produced yet (older than any real event). */
const NO_SEQUENCER = normalizeSequencer("0");

/**
 * The index of files: current state per file (with tombstones), and the per-tenant listing.
 * Writes are conditional on the S3 sequencer, so replays, duplicates and out-of-order events
 * converge to the state of the newest event per key.
 */
export class FileIndex {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly tombstoneTtlSeconds: number;
  private readonly now: () => Date;

  constructor(options: FileIndexOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.tombstoneTtlSeconds = options.tombstoneTtlSeconds;
    this.now = options.now ?? (() => new Date());
  }

  /** The stored item of a file, tombstone included (strongly consistent). */
  async get(tenant: TenantId, key: FileKey): Promise<FileItem | undefined> {
    const result = await aws(
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: fileStateKey(tenant, key),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item as FileItem | undefined;
  }

  /** The file if the tenant holds it now: the ownership check behind GET, HEAD and DELETE. */
  async getPresent(tenant: TenantId, key: FileKey): Promise<FileView | undefined> {
    const item = await this.get(tenant, key);
    return item?.state === "present" ? toView(item) : undefined;
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
    const after = options.cursor ? decodeCursor(options.cursor, tenant, prefix) : undefined;
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
      cursor: items.length > limit && last ? encodeCursor(tenant, prefix, last.key) : null,
    };
  }

  /**
   * Every tenant that has present files (for the reconciler's all-tenants run): one Scan of
   * the sparse `files` index, reading only its partition keys.
   */
  async tenantsWithFiles(): Promise<string[]> {
    const tenants = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await aws(
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            IndexName: "files",
            ProjectionExpression: "gsi1pk",
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        tenants.add(String(item.gsi1pk).slice(filesPartition("").length));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return [...tenants].sort();
  }

  /** Records an ObjectCreated event unless the index already holds this or a newer event. */
  async applyCreated(event: CreatedEvent): Promise<ApplyOutcome> {
    return this.applyConditionally(event.tenant, event.key, event.seq, this.presentState(event));
  }

  /** Records an ObjectRemoved event as a tombstone unless a newer event is already applied. */
  async applyRemoved(event: RemovedEvent): Promise<ApplyOutcome> {
    return this.applyConditionally(event.tenant, event.key, event.seq, this.deletedState(event));
  }

  /**
   * Repair (the reconciler): records a file S3 holds but the index misses or describes
   * outdated, only if its item is still exactly as `seen` — none, or the same sequencer and
   * update time — so it never undoes an event applied meanwhile. The item keeps the
   * sequencer of the last applied event (zero when there was none): every event S3 has not
   * delivered yet is newer and still applies over the repair. False when the item changed.
   */
  async restorePresent(file: ObservedFile, seen: FileItem | undefined): Promise<boolean> {
    const seq = seen?.seq ?? NO_SEQUENCER;
    const update = this.presentState({ ...file, eventTime: file.lastModified });
    return this.repair(file.tenant, file.key, seen, seq, update);
  }

  /**
   * Repair (the reconciler): tombstones a file whose object is gone from S3, only if its item
   * is still exactly as `seen`. The tombstone keeps the item's sequencer, so the delete event,
   * should it still come, applies as usual. False when the item changed.
   */
  async markGone(seen: FileItem): Promise<boolean> {
    const eventTime = this.now().toISOString();
    const update = this.deletedState({ ...seen, eventTime });
    return this.repair(seen.tenant as TenantId, seen.key as FileKey, seen, seen.seq, update);
  }

  private presentState(file: Omit<CreatedEvent, "seq">): StateUpdate {
    return {
      UpdateExpression:
        "SET #type = :type, tenant = :tenant, #key = :key, #state = :present, seq = :seq, " +
        "#size = :size, etag = :etag, contentType = :contentType, eventTime = :eventTime, " +
        "updatedAt = :updatedAt, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE expiresAt",
      ExpressionAttributeNames: STATE_NAMES,
      ExpressionAttributeValues: {
        ":type": ItemType.File,
        ":tenant": file.tenant,
        ":key": file.key,
        ":present": "present",
        ":size": file.size,
        ":etag": file.etag,
        ":contentType": file.contentType,
        ":eventTime": file.eventTime,
        ":updatedAt": this.now().toISOString(),
        ":gsi1pk": filesPartition(file.tenant),
        ":gsi1sk": file.key,
      },
    };
  }

  private deletedState(file: { tenant: string; key: string; eventTime: string }): StateUpdate {
    const now = this.now();
    return {
      UpdateExpression:
        "SET #type = :type, tenant = :tenant, #key = :key, #state = :deleted, seq = :seq, " +
        "eventTime = :eventTime, updatedAt = :updatedAt, expiresAt = :expiresAt " +
        "REMOVE gsi1pk, gsi1sk, #size, etag, contentType",
      ExpressionAttributeNames: STATE_NAMES,
      ExpressionAttributeValues: {
        ":type": ItemType.File,
        ":tenant": file.tenant,
        ":key": file.key,
        ":deleted": "deleted",
        ":eventTime": file.eventTime,
        ":updatedAt": now.toISOString(),
        ":expiresAt": Math.floor(now.getTime() / 1000) + this.tombstoneTtlSeconds,
      },
    };
  }

  private async applyConditionally(
    tenant: TenantId,
    key: FileKey,
    seq: string,
    update: StateUpdate,
  ): Promise<ApplyOutcome> {
    if (await this.write(tenant, key, seq, update, "attribute_not_exists(pk) OR seq < :seq")) {
      return "applied";
    }
    // The index holds this event or a newer one; which of the two only matters for reporting.
    const current = await this.get(tenant, key);
    return current?.seq === seq ? "duplicate" : "stale";
  }

  private async repair(
    tenant: TenantId,
    key: FileKey,
    seen: FileItem | undefined,
    seq: string,
    update: StateUpdate,
  ): Promise<boolean> {
    if (!seen) return this.write(tenant, key, seq, update, "attribute_not_exists(pk)");
    return this.write(tenant, key, seq, update, "seq = :seq AND updatedAt = :seenUpdatedAt", {
      ":seenUpdatedAt": seen.updatedAt,
    });
  }

  /** One conditional write of a file's state; false when the condition does not hold. */
  private async write(
    tenant: TenantId,
    key: FileKey,
    seq: string,
    update: StateUpdate,
    condition: string,
    conditionValues: Record<string, unknown> = {},
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: fileStateKey(tenant, key),
          ...update,
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ...update.ExpressionAttributeValues,
            ...conditionValues,
            ":seq": seq,
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailed(error)) throw fromAwsError(error);
      return false;
    }
  }
}

interface StateUpdate {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

const STATE_NAMES = { "#type": "type", "#key": "key", "#state": "state", "#size": "size" };

function toView(item: FileItem): FileView {
  return {
    key: item.key,
    size: item.size ?? 0,
    etag: item.etag ?? "",
    contentType: item.contentType ?? DEFAULT_CONTENT_TYPE,
    lastModified: item.eventTime,
  };
}
