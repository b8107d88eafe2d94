import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import { TableRepository, webhooksPartition } from "../table";
import type { WebhookEventType } from "./events";

/** An endpoint as the API shows it (never with its secret, but when it is made or rotated). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  description?: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint with what signing needs. */
export interface StoredEndpoint extends WebhookEndpoint {
  tenant: string;
  secret: string;
  /** The secret before the last rotation, and until when it still signs. */
  previousSecret?: string;
  previousUntil?: string;
}

/**
 * The read every S3 event needs of webhooks: a tenant's endpoints. Apart from the writes
 * (`WebhookEndpoints`), so that the subscriber loads no more than this read.
 */
export class WebhookEndpointLookup extends TableRepository {
  /** Every endpoint of a tenant (one Query of its partition). */
  async list(tenant: string, consistent = false): Promise<StoredEndpoint[]> {
    const result = await aws(
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": webhooksPartition(tenant) },
          ConsistentRead: consistent,
        }),
      ),
    );
    return (result.Items ?? []).map(toEndpoint);
  }
}

/** An endpoint as stored, without its key attributes. */
export function toEndpoint(item: Record<string, unknown>): StoredEndpoint {
  const { pk: _pk, sk: _sk, type: _type, ...endpoint } = item;
  return endpoint as unknown as StoredEndpoint;
}

/**
 * A tenant's endpoints, remembered for `ttlMs`: every event of a tenant needs them, and one
 * Query per event would pass DynamoDB's 3,000 reads/s per partition for a busy tenant.
 */
export function cachedEndpoints(
  endpoints: Pick<WebhookEndpointLookup, "list">,
  ttlMs: number,
  clock: () => number = Date.now,
): (tenant: string) => Promise<StoredEndpoint[]> {
  const cache = new Map<string, { at: number; value: Promise<StoredEndpoint[]> }>();
  return (tenant) => {
    const hit = cache.get(tenant);
    if (hit && clock() - hit.at < ttlMs) return hit.value;
    const value = endpoints.list(tenant);
    cache.set(tenant, { at: clock(), value });
    value.catch(() => cache.delete(tenant));
    return value;
  };
}
