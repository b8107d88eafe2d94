import { BatchWriteCommand, DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import {
  ItemType,
  OUTBOX_SHARDS,
  outboxKey,
  outboxPartition,
  type TableAccess,
  TableRepository,
} from "../table";
import type { WebhookMessage, WebhookQueue } from "./messages";

/** Messages stay in the outbox at most a week (the queue then had a week of trouble). */
const OUTBOX_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * Messages the webhook queue refused, kept in the table until a scheduled job queues them
 * again: ingestion never fails or waits because the queue does.
 */
export class WebhookOutbox extends TableRepository {
  constructor(options: TableAccess) {
    super(options);
  }

  /** Keeps messages, 25 per BatchWriteItem (what the subscriber may already do); throws if any is left. */
  async put(messages: readonly WebhookMessage[], now = new Date()): Promise<void> {
    const time = now.toISOString();
    const items = messages.map((message) => ({
      ...outboxKey(`${message.endpoint}#${message.event.id}`, time),
      type: ItemType.Outbox,
      message: JSON.stringify(message),
      expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
    }));
    for (let i = 0; i < items.length; i += 25) {
      const result = await aws(
        this.client.send(
          new BatchWriteCommand({
            RequestItems: {
              [this.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
            },
          }),
        ),
      );
      if (Object.keys(result.UnprocessedItems ?? {}).length > 0) {
        throw new Error("The table did not take every webhook message of the outbox");
      }
    }
  }

  /** Queues every waiting message again, deleting each once queued; returns how many. */
  async drain(queue: WebhookQueue): Promise<number> {
    let moved = 0;
    for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
      const page = await aws(
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": outboxPartition(shard) },
            Limit: 500,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        await queue.send([JSON.parse(String(item.message)) as WebhookMessage]);
        await aws(
          this.client.send(
            new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }),
          ),
        );
        moved++;
      }
    }
    return moved;
  }
}
