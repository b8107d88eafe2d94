import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import {
  type FileItem,
  fileListingKeys,
  fileStateKey,
  ItemType,
  normalizeSequencer,
} from "@filegate/core/table";
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
