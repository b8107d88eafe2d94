import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";

/**
 * Every item of a Query or Scan, page after page (for maintenance reads that need them all:
 * totals, recounts, the reconciler's tenant list; requests answer one page at a time).
 *
 * @example for await (const item of allItems(client, { TableName, IndexName: "files", ... })) count++;
 */
export async function* allItems(
  client: DynamoDBDocumentClient,
  input: (QueryCommandInput & { kind?: "query" }) | (ScanCommandInput & { kind: "scan" }),
): AsyncGenerator<Record<string, unknown>> {
  const { kind = "query", ...request } = input;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await aws(
      client.send(
        kind === "scan"
          ? new ScanCommand({ ...(request as ScanCommandInput), ExclusiveStartKey: start })
          : new QueryCommand({ ...(request as QueryCommandInput), ExclusiveStartKey: start }),
      ),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
