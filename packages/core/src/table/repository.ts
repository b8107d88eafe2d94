import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";

/** Where a repository keeps its items: the container's shared document client and the table. */
export interface TableAccess {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The base of every repository over the one table. */
export abstract class TableRepository {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(options: TableAccess) {
    this.client = options.client;
    this.tableName = options.tableName;
  }
}

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
