/** What the meter reads off a DynamoDB call's input and output. */
import type { AttributeValue, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { TABLE } from "@filegate/core/table";
import type { Item } from "./item-size";

/** One item a write call touches. */
export interface WriteOp {
  key: Item;
  item?: Item;
  kind: "put" | "update" | "delete" | "check";
}

export const pkOf = (key: Item) => key[TABLE.primaryIndex.hashKey]?.S ?? "?";
export const itemId = (key: Item) => `${pkOf(key)}|${key[TABLE.primaryIndex.rangeKey]?.S ?? ""}`;

/** The items a write call touches, each with its primary key. */
export function writeOps(
  operation: string,
  input: Record<string, unknown>,
  table: string,
): WriteOp[] {
  const keyOf = (item: Item): Item => {
    const { hashKey, rangeKey } = TABLE.primaryIndex;
    return { [hashKey]: item[hashKey] as never, [rangeKey]: item[rangeKey] as never };
  };
  switch (operation) {
    case "PutItem":
      return [{ key: keyOf(input.Item as Item), item: input.Item as Item, kind: "put" }];
    case "UpdateItem":
      return [{ key: input.Key as Item, kind: "update" }];
    case "DeleteItem":
      return [{ key: input.Key as Item, kind: "delete" }];
    case "BatchWriteItem": {
      const requests = ((input.RequestItems as Record<string, unknown[]>)[table] ?? []) as Array<{
        PutRequest?: { Item: Item };
        DeleteRequest?: { Key: Item };
      }>;
      return requests.map((r) =>
        r.PutRequest
          ? { key: keyOf(r.PutRequest.Item), item: r.PutRequest.Item, kind: "put" as const }
          : { key: r.DeleteRequest?.Key as Item, kind: "delete" as const },
      );
    }
    case "TransactWriteItems":
      return (input.TransactItems as Array<Record<string, { Key?: Item; Item?: Item }>>).map(
        (t) => {
          if (t.Put)
            return { key: keyOf(t.Put.Item as Item), item: t.Put.Item as Item, kind: "put" };
          if (t.Update) return { key: t.Update.Key as Item, kind: "update" };
          if (t.Delete) return { key: t.Delete.Key as Item, kind: "delete" };
          return { key: t.ConditionCheck?.Key as Item, kind: "check" };
        },
      );
    default:
      return [];
  }
}

export function readKeys(operation: string, input: Record<string, unknown>, table: string) {
  if (operation === "TransactGetItems") {
    return (input.TransactItems as Array<{ Get: { Key: Item } }>).map((t) => ({
      key: t.Get.Key,
      consistent: true,
    }));
  }
  const request = (
    input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>
  )[table];
  return (request?.Keys ?? []).map((key) => ({
    key,
    consistent: request?.ConsistentRead === true,
  }));
}

/** The partition key value a Query's key condition names: `<hash key> = :value`. */
export function partitionOf(input: QueryCommandInput, hashKey: string): string {
  const names = input.ExpressionAttributeNames ?? {};
  for (const match of (input.KeyConditionExpression ?? "").matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const attribute = names[match[1] as string] ?? match[1];
    if (attribute === hashKey)
      return input.ExpressionAttributeValues?.[match[2] as string]?.S ?? "?";
  }
  return "?";
}

export function usedNames(expression = "", names?: Record<string, string>) {
  if (!names) return undefined;
  const used = Object.fromEntries(Object.entries(names).filter(([n]) => expression.includes(n)));
  return Object.keys(used).length > 0 ? used : undefined;
}

export function usedValues(expression = "", values?: Record<string, AttributeValue>) {
  if (!values) return undefined;
  return Object.fromEntries(
    Object.entries(values).filter(([n]) => new RegExp(`${n}\\b`).test(expression)),
  );
}

/** The units an answer says its call consumed (a batch answers one entry per table). */
export function reportedUnits(output: object): number | undefined {
  const consumed = (output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
  if (!consumed) return undefined;
  const entries = (Array.isArray(consumed) ? consumed : [consumed]) as Array<{
    CapacityUnits?: number;
  }>;
  return entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}
