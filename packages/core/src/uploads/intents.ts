import { randomBytes } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { aws, fromAwsError, isConditionFailed } from "../errors";
import {
  allItems,
  ItemType,
  PENDING_SHARDS,
  pendingKeys,
  pendingPartition,
  type TableAccess,
  TableRepository,
  uploadKey,
} from "../table";
import type { FileKey, TenantId } from "../tenancy";

export type IntentStatus =
  | "pending"
  | "committed"
  | "quarantined"
  | "superseded"
  | "aborted"
  | "expired";

/** An upload the API has agreed to: what may arrive, and the room reserved for it. */
export interface UploadIntent {
  id: string;
  /** Validated when the intent was made. */
  tenant: TenantId;
  key: FileKey;
  actor: string;
  size: number;
  contentType: string;
  /** Base64 SHA-256 the object must have, when the client gave one. */
  sha256?: string;
  createOnly: boolean;
  method: "single" | "multipart";
  partSize?: number;
  partCount?: number;
  /** S3's id of the multipart upload. */
  multipartUploadId?: string;
  /** The write grant signed into the upload (its audit record). */
  grantId: string;
  status: IntentStatus;
  reason?: string;
  createdAt: string;
  expiresAt: string;
}

/** The metadata field that carries the intent id of an upload. */
export const INTENT_METADATA = "filegate-intent";

/** A new intent id: `u` and 27 random hex digits. */
export function newIntentId(): string {
  return `u${randomBytes(14).toString("hex").slice(0, 27)}`;
}

export function isIntentId(value: string): boolean {
  return /^u[0-9a-f]{27}$/.test(value);
}

/**
 * Upload intents. A pending intent is also in the sparse `pending` index under its expiry,
 * where the sweeper finds the ones that were never used; every status change out of
 * `pending` is conditional, so it happens once however many times it is attempted.
 */
export class UploadIntents extends TableRepository {
  /** How long an intent's record is kept after it expires (DynamoDB TTL). */
  private readonly retentionSeconds: number;

  constructor(options: TableAccess & { retentionSeconds: number }) {
    super(options);
    this.retentionSeconds = options.retentionSeconds;
  }

  async create(intent: UploadIntent): Promise<void> {
    await aws(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...uploadKey(intent.id),
            ...pendingKeys(intent.id, intent.expiresAt),
            type: ItemType.Upload,
            ...intent,
            // `expiresAt` on an item is its TTL (epoch seconds): the record is kept for the
            // retention period after the intent itself expires (`intentExpiresAt`).
            intentExpiresAt: intent.expiresAt,
            expiresAt: Math.floor(Date.parse(intent.expiresAt) / 1000) + this.retentionSeconds,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  async get(id: string): Promise<UploadIntent | undefined> {
    if (!isIntentId(id)) return undefined;
    const result = await aws(
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: uploadKey(id), ConsistentRead: true }),
      ),
    );
    return result.Item ? toIntent(result.Item) : undefined;
  }

  /**
   * Moves a pending intent to `to`. True only for the one call that made the change: the
   * caller then releases the reservation, exactly once.
   */
  async finish(
    id: string,
    to: Exclude<IntentStatus, "pending">,
    reason?: string,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: uploadKey(id),
          UpdateExpression: `SET #status = :to${reason ? ", reason = :reason" : ""} REMOVE gsi4pk, gsi4sk`,
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":to": to,
            ":pending": "pending",
            ...(reason ? { ":reason": reason } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw fromAwsError(error);
    }
  }

  /** Pending intents whose expiry is before `now`, oldest first per shard, up to `limit` each. */
  async expired(now: Date, limit = 100): Promise<UploadIntent[]> {
    const pages = await Promise.all(
      Array.from({ length: PENDING_SHARDS }, (_, shard) =>
        aws(
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: "pending",
              KeyConditionExpression: "gsi4pk = :p AND gsi4sk < :now",
              ExpressionAttributeValues: {
                ":p": pendingPartition(shard),
                ":now": now.toISOString(),
              },
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    return pages.flatMap((page) => (page.Items ?? []).map(toIntent));
  }

  /** Pending intents of one tenant (for recounting its reservations). */
  async pendingOf(tenant: string): Promise<UploadIntent[]> {
    const intents: UploadIntent[] = [];
    for (let shard = 0; shard < PENDING_SHARDS; shard++) {
      for await (const item of allItems(this.client, {
        TableName: this.tableName,
        IndexName: "pending",
        KeyConditionExpression: "gsi4pk = :p",
        FilterExpression: "tenant = :tenant",
        ExpressionAttributeValues: { ":p": pendingPartition(shard), ":tenant": tenant },
      })) {
        intents.push(toIntent(item));
      }
    }
    return intents;
  }
}

const INTENT_FIELDS = [
  "id",
  "tenant",
  "key",
  "actor",
  "size",
  "contentType",
  "sha256",
  "createOnly",
  "method",
  "partSize",
  "partCount",
  "multipartUploadId",
  "grantId",
  "status",
  "reason",
  "createdAt",
  "expiresAt",
] as const;

function toIntent(item: Record<string, unknown>): UploadIntent {
  const fields: Record<string, unknown> = { ...item, expiresAt: item.intentExpiresAt };
  return Object.fromEntries(
    INTENT_FIELDS.filter((f) => fields[f] !== undefined).map((f) => [f, fields[f]]),
  ) as unknown as UploadIntent;
}
