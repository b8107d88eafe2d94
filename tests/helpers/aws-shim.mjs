#!/usr/bin/env node
// A stand-in for `aws dynamodb get-item|query` where the AWS CLI is not installed: the shell
// expands the documented command as usual, and this runs the same request through the SDK,
// printing the CLI's JSON. Used only by the test that checks docs/data-model.md.
import { DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";

const [service, operation, ...rest] = process.argv.slice(2);
const options = {};
for (let i = 0; i < rest.length; i++) {
  const name = rest[i].replace(/^--/, "");
  const next = rest[i + 1];
  if (next === undefined || next.startsWith("--")) options[name] = true;
  else options[name] = rest[++i];
}
if (service !== "dynamodb" || !["get-item", "query"].includes(operation)) {
  console.error(`aws-shim: unsupported command: ${service} ${operation}`);
  process.exit(2);
}
const client = new DynamoDBClient({ endpoint: options["endpoint-url"] });
const json = (name) => (options[name] === undefined ? undefined : JSON.parse(options[name]));

if (operation === "get-item") {
  const result = await client.send(
    new GetItemCommand({
      TableName: options["table-name"],
      Key: json("key"),
      ConsistentRead: options["consistent-read"] === true,
    }),
  );
  // Like the CLI: nothing at all when there is no such item.
  if (result.Item) console.log(JSON.stringify({ Item: result.Item }, null, 4));
} else {
  const items = [];
  let scanned = 0;
  let startKey;
  do {
    const result = await client.send(
      new QueryCommand({
        TableName: options["table-name"],
        IndexName: options["index-name"],
        KeyConditionExpression: options["key-condition-expression"],
        FilterExpression: options["filter-expression"],
        ExpressionAttributeValues: json("expression-attribute-values"),
        ExpressionAttributeNames: json("expression-attribute-names"),
        ScanIndexForward: options["no-scan-index-forward"] !== true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    scanned += result.ScannedCount ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  console.log(
    JSON.stringify({ Items: items, Count: items.length, ScannedCount: scanned }, null, 4),
  );
}
