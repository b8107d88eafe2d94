import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ensureTable, startDynamo } from "@filegate/local";

/**
 * A fresh in-memory DynamoDB emulator with the index table, for tests that drive core
 * directly: dynalite, or AWS's DynamoDB Local with `FILEGATE_TEST_DYNAMODB=local` (or
 * `engine`).
 */
export async function startTestTable(
  tableName = "test-index",
  engine: "local" | "dynalite" = process.env.FILEGATE_TEST_DYNAMODB === "local"
    ? "local"
    : "dynalite",
) {
  const dynamo = await startDynamo({ engine, port: 0 });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await ensureTable(client, tableName);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    client,
    doc,
    tableName,
    endpoint: dynamo.endpoint,
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
