import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import {
  ATTEMPT_SHARDS,
  attemptKey,
  attemptsPartition,
  ItemType,
  type TableAccess,
  TableRepository,
} from "../table";
import type { WebhookEventType } from "./events";

/**
 * What became of one attempt: `delivered` (2xx), `failed` (another status, a timeout or a
 * refused connection: retried), `refused` (the target resolved to an address it may not
 * have: retried, the DNS may change), `dead-lettered` (the last failure of its window),
 * `skipped` (the endpoint is disabled or gone).
 */
export type AttemptStatus = "delivered" | "failed" | "refused" | "dead-lettered" | "skipped";

/** One delivery attempt, as `GET /webhooks/{id}/deliveries` shows it. */
export interface DeliveryAttempt {
  /** The `webhook-id`. */
  messageId: string;
  eventType: WebhookEventType;
  attempt: number;
  time: string;
  status: AttemptStatus;
  /** The receiver's HTTP status, when it answered. */
  responseCode?: number;
  latencyMs: number;
  error?: string;
  /** When the next attempt is due, for a failure that is retried. */
  nextAttemptAt?: string;
}

export const DEFAULT_ATTEMPTS_PAGE = 50;
export const MAX_ATTEMPTS_PAGE = 200;

/**
 * The delivery attempts of each endpoint, kept `retentionSeconds` (DynamoDB TTL), write-sharded
 * over {@link ATTEMPT_SHARDS} partitions per endpoint.
 */
export class DeliveryAttempts extends TableRepository {
  private readonly retentionSeconds: number;

  constructor(options: TableAccess & { retentionSeconds: number }) {
    super(options);
    this.retentionSeconds = options.retentionSeconds;
  }

  async record(endpoint: string, attempt: DeliveryAttempt): Promise<void> {
    await aws(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...attemptKey(endpoint, attempt.messageId, attempt.attempt, attempt.time),
            type: ItemType.Attempt,
            endpoint,
            ...attempt,
            expiresAt: Math.floor(Date.parse(attempt.time) / 1000) + this.retentionSeconds,
          },
        }),
      ),
    );
  }

  /** The latest `limit` attempts of an endpoint, newest first (one Query per shard, merged). */
  async latest(endpoint: string, limit = DEFAULT_ATTEMPTS_PAGE): Promise<DeliveryAttempt[]> {
    const shards = await Promise.all(
      Array.from({ length: ATTEMPT_SHARDS }, (_, shard) =>
        aws(
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: "pk = :pk",
              ExpressionAttributeValues: { ":pk": attemptsPartition(endpoint, shard) },
              ScanIndexForward: false,
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    return shards
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => String(b.sk).localeCompare(String(a.sk)))
      .slice(0, limit)
      .map(toAttempt);
  }
}

const FIELDS = [
  "messageId",
  "eventType",
  "attempt",
  "time",
  "status",
  "responseCode",
  "latencyMs",
  "error",
  "nextAttemptAt",
] as const;

function toAttempt(item: Record<string, unknown>): DeliveryAttempt {
  const attempt: Record<string, unknown> = {};
  for (const field of FIELDS) if (item[field] !== undefined) attempt[field] = item[field];
  return attempt as unknown as DeliveryAttempt;
}
