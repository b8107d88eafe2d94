/**
 * The DynamoDB part of the floor modules: the bare client and the calls each job needs,
 * with the item shapes written out by hand (no document client, no schema). A floor makes
 * the calls its route cannot do without: a route that issues a URL writes the URL's audit
 * record first, an upload's event is verified against its grant and the tenant's limits
 * and moves the tenant's usage.
 */
import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});
const TableName = process.env.TABLE_NAME ?? "";

export async function lookup(tenant: string, key: string) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName,
      Key: { pk: { S: `FILE#${tenant}#${key}` }, sk: { S: "STATE" } },
      ConsistentRead: true,
    }),
  );
  return Item?.state?.S === "present" ? Item : undefined;
}

/**
 * One page of a partition of an index (`files` by default: the tenant's first listing shard;
 * a cold start's cost is the same for one Query as for several in parallel), `limit` items and
 * one more.
 */
export async function query(
  tenant: string,
  limit: number,
  index: { name: string; hashKey: string; partition: string } = {
    name: "files",
    hashKey: "gsi1pk",
    partition: `FILES#${tenant}#0`,
  },
) {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName,
      IndexName: index.name,
      KeyConditionExpression: `${index.hashKey} = :p`,
      ExpressionAttributeValues: { ":p": { S: index.partition } },
      Limit: limit + 1,
    }),
  );
  return Items;
}

/** The tenant's own limits item, if any. */
export async function limits(tenant: string) {
  const { Item } = await client.send(
    new GetItemCommand({ TableName, Key: { pk: { S: `TENANT#${tenant}` }, sk: { S: "LIMITS" } } }),
  );
  return Item;
}

/** Sets some of the tenant's limits, and reads them back with the write. */
export async function setLimits(tenant: string, maxObjects: number) {
  const { Attributes } = await client.send(
    new UpdateItemCommand({
      TableName,
      Key: { pk: { S: `TENANT#${tenant}` }, sk: { S: "LIMITS" } },
      UpdateExpression: "SET maxObjects = :n",
      ExpressionAttributeValues: { ":n": { N: String(maxObjects) } },
      ReturnValues: "ALL_NEW",
    }),
  );
  return Attributes;
}

/** Moves the tenant's usage counters. */
export async function addUsage(tenant: string, bytes: number, objects: number) {
  await client.send(
    new UpdateItemCommand({
      TableName,
      Key: { pk: { S: `TENANT#${tenant}` }, sk: { S: "USAGE" } },
      UpdateExpression: "ADD #bytes :b, objects :n",
      ExpressionAttributeNames: { "#bytes": "bytes" },
      ExpressionAttributeValues: { ":b": { N: String(bytes) }, ":n": { N: String(objects) } },
    }),
  );
}

/** Writes an item unless one with its key exists. */
export async function put(Item: Record<string, AttributeValue>) {
  await client.send(
    new PutItemCommand({ TableName, Item, ConditionExpression: "attribute_not_exists(pk)" }),
  );
}

/** An audit record in the file's grant or event partition and the two time indexes (one shard each). */
export function auditItem(
  tenant: string,
  key: string,
  id: string,
  fields: Record<string, string>,
  time = new Date().toISOString(),
): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: `${id.startsWith("g") ? "GRANTS" : "EVENTS"}#${tenant}#${key}` },
    sk: { S: `LOG#${time}#${id}` },
    gsi2pk: { S: `LOG#${tenant}#0` },
    gsi2sk: { S: `${time}#${id}` },
    gsi3pk: { S: "LOG#0" },
    gsi3sk: { S: `${time}#${id}` },
    id: { S: id },
    time: { S: time },
    tenant: { S: tenant },
    key: { S: key },
  };
  for (const [name, value] of Object.entries(fields)) item[name] = { S: value };
  return item;
}

/** The record of a presigned URL, written before the URL is answered. */
export async function recordGrant(tenant: string, key: string, action: string, actor: string) {
  const id = `g${Date.now().toString(16).padStart(12, "0")}${randomUUID().slice(0, 8)}`;
  await put(auditItem(tenant, key, id, { kind: "grant", action, actor }));
  return id;
}

/** The audit record of a write grant, by the id an upload carries in its metadata. */
export async function findGrant(tenant: string, key: string, id: string) {
  const time = new Date(Number.parseInt(id.slice(1, 13), 16)).toISOString();
  const { Item } = await client.send(
    new GetItemCommand({
      TableName,
      Key: { pk: { S: `GRANTS#${tenant}#${key}` }, sk: { S: `LOG#${time}#${id}` } },
    }),
  );
  return Item;
}

/**
 * Records a created object unless a newer event is recorded already (then it is a no-op);
 * the size it replaces, if it was present.
 */
export async function record(
  tenant: string,
  key: string,
  seq: string,
  contentType: string,
  size: number,
): Promise<{ applied: boolean; previous?: number }> {
  try {
    const { Attributes } = await client.send(
      new UpdateItemCommand({
        ...createdState(tenant, key, seq, contentType, size),
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes?.state?.S === "present"
      ? { applied: true, previous: Number(Attributes.size?.N ?? 0) }
      : { applied: true };
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    return { applied: false };
  }
}

/** Items by key, strongly consistent, in one call (up to 100 keys). */
export async function batchGet(Keys: Record<string, AttributeValue>[]) {
  const { Responses } = await client.send(
    new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys, ConsistentRead: true } } }),
  );
  return Responses?.[TableName] ?? [];
}

/** Writes items together, all or nothing. */
export async function transact(items: TransactWriteItem[]) {
  await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
}

/** The tenant's webhook endpoints (one Query of its partition). */
export async function webhookEndpoints(tenant: string) {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `WEBHOOKS#${tenant}` } },
    }),
  );
  return Items;
}

/** A created object's state, unless a newer event is recorded already (in a transaction). */
export function stateUpdate(
  tenant: string,
  key: string,
  seq: string,
  contentType: string,
  size: number,
): TransactWriteItem {
  return { Update: createdState(tenant, key, seq, contentType, size) };
}

/** The conditional update of a created object's state, alone or in a transaction. */
function createdState(tenant: string, key: string, seq: string, contentType: string, size: number) {
  return {
    TableName,
    Key: { pk: { S: `FILE#${tenant}#${key}` }, sk: { S: "STATE" } },
    UpdateExpression: "SET #state = :present, seq = :seq, contentType = :type, #size = :size",
    ConditionExpression: "attribute_not_exists(pk) OR seq < :seq",
    ExpressionAttributeNames: { "#state": "state", "#size": "size" },
    ExpressionAttributeValues: {
      ":present": { S: "present" },
      ":seq": { S: seq.padStart(48, "0") },
      ":type": { S: contentType },
      ":size": { N: String(size) },
    },
  };
}

/** Moves the tenant's usage counters (in a transaction). */
export function usageUpdate(tenant: string, bytes: number, objects: number): TransactWriteItem {
  return {
    Update: {
      TableName,
      Key: { pk: { S: `TENANT#${tenant}` }, sk: { S: "USAGE" } },
      UpdateExpression: "ADD #bytes :b, objects :n",
      ExpressionAttributeNames: { "#bytes": "bytes" },
      ExpressionAttributeValues: { ":b": { N: String(bytes) }, ":n": { N: String(objects) } },
    },
  };
}

/** Puts an item unless one with its key exists (in a transaction). */
export function conditionalPut(Item: Record<string, AttributeValue>): TransactWriteItem {
  return { Put: { TableName, Item, ConditionExpression: "attribute_not_exists(pk)" } };
}
