/**
 * The DynamoDB part of the floor modules: the bare client and the one call each job needs,
 * with the item shapes written out by hand (no document client, no schema).
 */
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
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

export async function query(tenant: string, limit: number) {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName,
      IndexName: "files",
      KeyConditionExpression: "gsi1pk = :p",
      ExpressionAttributeValues: { ":p": { S: `FILES#${tenant}` } },
      Limit: limit + 1,
    }),
  );
  return Items;
}

/** Records a created object unless a newer event is recorded already (then it is a no-op). */
export async function record(tenant: string, key: string, seq: string, contentType: string) {
  await client
    .send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: `FILE#${tenant}#${key}` }, sk: { S: "STATE" } },
        UpdateExpression: "SET #state = :present, seq = :seq, contentType = :type",
        ConditionExpression: "attribute_not_exists(pk) OR seq < :seq",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: {
          ":present": { S: "present" },
          ":seq": { S: seq.padStart(48, "0") },
          ":type": { S: contentType },
        },
      }),
    )
    .catch((error: Error) => {
      if (error.name !== "ConditionalCheckFailedException") throw error;
    });
}
