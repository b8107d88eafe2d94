/** The DynamoDB calls of the ingestion suite's events, counted by kind. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const COUNTER = "filegateBenchCallCounter";

/**
 * Runs `work` with every call of `client` counted by kind ("GetItem audit record"); the
 * counter is removed afterwards.
 */
export async function countCalls(
  client: DynamoDBClient,
  work: () => Promise<void>,
): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = callKind(context.commandName ?? "", args.input);
      calls.set(kind, (calls.get(kind) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: COUNTER },
  );
  await work();
  client.middlewareStack.remove(COUNTER);
  return calls;
}

/** A DynamoDB call by operation and item: "GetItem audit record", "UpdateItem usage". */
function callKind(commandName: string, input: unknown): string {
  const operation = commandName.replace(/Command$/, "");
  const { Key, Item, TransactItems, RequestItems } = (input ?? {}) as {
    Key?: Record<string, unknown>;
    Item?: Record<string, unknown>;
    TransactItems?: unknown[];
    RequestItems?: Record<string, unknown>;
  };
  // The batch calls: what they carry says more than one item would.
  if (TransactItems) return `${operation} (state, audit record, usage)`;
  if (RequestItems) return `${operation} (file states and limits; records of repeats)`;
  const sortKey = (Key ?? Item)?.sk;
  const sk = String((sortKey as { S?: string } | undefined)?.S ?? sortKey ?? "");
  const items: Record<string, string> = {
    STATE: "file state",
    USAGE: "usage",
    LIMITS: "limits",
    UPLOAD: "intent",
  };
  const item = sk.startsWith("LOG#") ? "audit record" : (items[sk] ?? "other");
  return `${operation} ${item}`;
}
