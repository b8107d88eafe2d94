import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { AuditJournal } from "@filegate/core/audit";
import {
  type FileItem,
  fileListingKeys,
  fileStateKey,
  ItemType,
  normalizeSequencer,
} from "@filegate/core/table";
import { parseObjectKey } from "@filegate/core/tenancy";
import { BENCH } from "./environment";
import { GRANT_ISSUED, grantIdFor } from "./grants";
import { inParallel } from "./measure";

/** The stored item of a present file, exactly as the subscriber writes one. */
export function presentFile(tenant: string, key: string, sequencer: string): FileItem {
  return {
    ...fileStateKey(tenant, key),
    ...fileListingKeys(tenant, key),
    type: ItemType.File,
    tenant,
    key,
    state: "present",
    seq: normalizeSequencer(sequencer),
    size: 52_431,
    etag: "9b2cf535f27731c974343645a3985328",
    contentType: "application/pdf",
    eventTime: "2026-11-25T12:00:00.000Z",
    updatedAt: "2026-11-25T12:00:01.000Z",
  };
}

/**
 * Writes items with BatchWriteItem, 25 a request and `concurrency` requests in flight,
 * retrying what the table leaves unprocessed.
 */
export async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  items: readonly FileItem[],
  concurrency = 8,
): Promise<void> {
  const chunks: FileItem[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  await inParallel(chunks, concurrency, async (chunk) => {
    let requests: WriteRequest[] = chunk.map((item) => ({ PutRequest: { Item: marshall(item) } }));
    while (requests.length > 0) {
      const result = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = result.UnprocessedItems?.[tableName] ?? [];
    }
  });
}

/**
 * Writes the audit record of the write grant (`grantIdFor`) that each upload of
 * `objectKeys` was made with, as `PUT /files/{key+}` writes it before it answers.
 */
export async function seedGrants(
  client: DynamoDBClient,
  tableName: string,
  objectKeys: readonly string[],
): Promise<void> {
  const journal = new AuditJournal({
    client: DynamoDBDocumentClient.from(client),
    tableName,
    retentionSeconds: 86_400,
  });
  await inParallel(objectKeys, 8, async (objectKey) => {
    const location = parseObjectKey(objectKey);
    if (!location) throw new Error(`${objectKey} is outside the tenant layout`);
    await journal.recordGrant({
      id: grantIdFor(objectKey),
      tenant: location.tenant,
      key: location.key,
      actor: BENCH.actor,
      action: "write",
      requestId: "filegate-bench",
      sourceIp: "127.0.0.1",
      userAgent: "filegate-bench",
      expiresAt: new Date(GRANT_ISSUED.getTime() + 300_000).toISOString(),
    });
  });
}
