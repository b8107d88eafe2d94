/** The checks of the ingestion suite: what the index holds once every event is in. */
import { type DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import {
  fileStateKey,
  historyPartition,
  normalizeSequencer,
  tenantUsageKey,
} from "@filegate/core/table";
import { BENCH } from "../../lib/environment";
import { grantIdFor } from "../../lib/grants";
import { FIXED_OBJECT } from "../../lib/servers";
import type { StoredObject } from "./objects";

/**
 * What the index must hold once every event is in: each object's newest event, admitted
 * (none lost, none stale, none quarantined); the tenant's usage counting each object once,
 * at its last size; and the events' audit records linked to the grants of their uploads.
 */
export async function verifyIndex(
  client: DynamoDBClient,
  objects: readonly StoredObject[],
  lastEvent: ReadonlyMap<string, { sequencer: string; size: number }>,
): Promise<Record<string, boolean>> {
  const keyOf = (object: StoredObject) => object.key.replace(`tenants/${BENCH.tenant}/`, "");
  const newest = await Promise.all(
    objects.map(async (object) => {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: BENCH.table,
          Key: marshall(fileStateKey(BENCH.tenant, keyOf(object))),
        }),
      );
      return (
        Item?.seq?.S === normalizeSequencer(lastEvent.get(object.key)?.sequencer ?? "0") &&
        Item?.state?.S === "present" &&
        Item?.contentType?.S === FIXED_OBJECT.contentType
      );
    }),
  );
  const { Item: usageItem } = await client.send(
    new GetItemCommand({
      TableName: BENCH.table,
      Key: marshall(tenantUsageKey(BENCH.tenant)),
      ConsistentRead: true,
    }),
  );
  const usage = usageItem ? unmarshall(usageItem) : {};
  const bytes = [...lastEvent.values()].reduce((sum, event) => sum + event.size, 0);
  const first = objects[0] as StoredObject;
  const { Items: history = [] } = await client.send(
    new QueryCommand({
      TableName: BENCH.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :log)",
      ExpressionAttributeValues: marshall({
        ":pk": historyPartition(BENCH.tenant, keyOf(first), "event"),
        ":log": "LOG#",
      }),
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const latest = history[0] ? unmarshall(history[0]) : {};
  return {
    "every object's item holds its newest event, admitted, Content-Type from HeadObject":
      newest.every(Boolean),
    "the tenant's usage counts every object once, at its last size":
      usage.objects === objects.length && usage.bytes === bytes,
    "the newest audit record of an object is its event, linked to its upload's grant":
      latest.kind === "event" &&
      latest.verdict === "admitted" &&
      latest.attribution === "metadata" &&
      latest.grantId === grantIdFor(first.key),
  };
}
