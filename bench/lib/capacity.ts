/**
 * A write-heat meter: middleware on a DynamoDB client that counts, for every call the client
 * sends, the write and read units DynamoDB bills it, per partition key of the table and of
 * each global index. Item sizes come from the emulator itself: before each write the meter
 * reads the item as it was, after it the item as it is (with a client of its own, not counted),
 * so an UpdateItem is billed on the larger of the two and each index on what entered or left it.
 *
 * - table: a write costs 1 unit per KB of the larger of old and new item (at least 1, also
 *   when its condition fails); a read 1 unit per 4 KB (half when eventually consistent); a
 *   Query bills the items it evaluated (before any filter or projection), in one sum.
 * - each index (all attributes projected): an item entering it is one write, leaving it one
 *   write, changing its index keys two (out of the old partition, into the new one), any other
 *   change one; each billed by the projected item's size, on the partition it touches.
 * - transactions: every item twice.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "@filegate/core/table";
import { type Item, itemSize, readUnits, writeUnits } from "./item-size";

/** Units billed to one partition key. */
export interface KeyUnits {
  wcu: number;
  rcu: number;
  writes: number;
  reads: number;
}

/** What one call cost: its operation, and units per partition key (`table:<pk>`, `files:<gsi1pk>`). */
export interface CallCost {
  operation: string;
  units: Map<string, { wcu: number; rcu: number }>;
}

interface WriteOp {
  key: Item;
  item?: Item;
  kind: "put" | "update" | "delete" | "check";
}

type Stack = {
  add(
    middleware: (
      next: (args: { input: object }) => Promise<{ output: object }>,
      context: { commandName?: string },
    ) => (args: { input: object }) => Promise<{ output: object }>,
    options: { step: "build"; name: string },
  ): void;
  remove(name: string): boolean;
};

const NAME = "filegateCapacityMeter";
const INDEXES = Object.entries(TABLE.globalIndexes);

export class CapacityMeter {
  readonly keys = new Map<string, KeyUnits>();
  readonly calls: CallCost[] = [];
  /** Table writes by item (`pk|sk`): how often each item was written, at what cost. */
  readonly items = new Map<string, KeyUnits>();
  /** Milliseconds the meter's own reads took: not the measured code's time. */
  overheadMs = 0;
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly raw: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Counts every call `client` sends from now on; returns the function that stops it. */
  attach(client: { middlewareStack: unknown }): () => void {
    const stack = client.middlewareStack as Stack;
    stack.add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? "").replace(/Command$/, "");
        return this.measure(operation, args.input as Record<string, unknown>, () => next(args));
      },
      { step: "build", name: NAME },
    );
    return () => stack.remove(NAME);
  }

  reset(): void {
    this.keys.clear();
    this.items.clear();
    this.calls.length = 0;
    this.overheadMs = 0;
  }

  /** Units over every key: what the table and its indexes bill in all. */
  totals(): { wcu: number; rcu: number } {
    let wcu = 0;
    let rcu = 0;
    for (const units of this.keys.values()) {
      wcu += units.wcu;
      rcu += units.rcu;
    }
    return { wcu, rcu };
  }

  private async measure<T extends { output: object }>(
    operation: string,
    input: Record<string, unknown>,
    send: () => Promise<T>,
  ): Promise<T> {
    const writes = writeOps(operation, input, this.tableName);
    const cost: CallCost = { operation, units: new Map() };
    this.calls.push(cost);
    if (writes.length === 0) {
      const result = await send();
      await this.timed(() => this.bill(cost, () => this.readCost(operation, input, result.output)));
      return result;
    }
    const release = await this.lock(writes.map((op) => itemId(op.key)));
    try {
      const before = await this.timed(() => Promise.all(writes.map((op) => this.get(op.key))));
      const factor = operation.startsWith("Transact") ? 2 : 1;
      try {
        const result = await send();
        const after = await this.timed(() =>
          Promise.all(writes.map((op) => (op.kind === "put" ? op.item : this.get(op.key)))),
        );
        writes.forEach((op, i) => {
          this.billWrite(cost, op, before[i], op.kind === "check" ? before[i] : after[i], factor);
        });
        return result;
      } catch (error) {
        // A write whose condition fails is still billed on the table, by the stored item.
        writes.forEach((op, i) => {
          this.add(cost, `table:${pkOf(op.key)}`, writeUnits(itemSize(before[i])) * factor, 0);
          this.addItem(op.key, writeUnits(itemSize(before[i])) * factor);
        });
        throw error;
      }
    } finally {
      release();
    }
  }

  private billWrite(
    cost: CallCost,
    op: WriteOp,
    before: Item | undefined,
    after: Item | undefined,
    factor: number,
  ): void {
    const units = writeUnits(Math.max(itemSize(before), itemSize(after))) * factor;
    this.add(cost, `table:${pkOf(op.key)}`, units, 0);
    this.addItem(op.key, units);
    if (op.kind === "check") return;
    for (const [name, { hashKey, rangeKey }] of INDEXES) {
      const was = before?.[hashKey]?.S !== undefined && before?.[rangeKey] !== undefined;
      const is = after?.[hashKey]?.S !== undefined && after?.[rangeKey] !== undefined;
      const oldKey = before?.[hashKey]?.S;
      const newKey = after?.[hashKey]?.S;
      const moved =
        was && is && (oldKey !== newKey || before?.[rangeKey]?.S !== after?.[rangeKey]?.S);
      if (was && is && !moved) {
        const size = Math.max(itemSize(before), itemSize(after));
        this.add(cost, `${name}:${newKey}`, writeUnits(size) * factor, 0);
        continue;
      }
      if (was) this.add(cost, `${name}:${oldKey}`, writeUnits(itemSize(before)) * factor, 0);
      if (is) this.add(cost, `${name}:${newKey}`, writeUnits(itemSize(after)) * factor, 0);
    }
  }

  /** Read units of a read call, by the full size of what it read. */
  private async readCost(
    operation: string,
    input: Record<string, unknown>,
    output: object,
  ): Promise<Array<[string, number]>> {
    const consistent = input.ConsistentRead === true;
    if (operation === "GetItem") {
      const item = await this.get(input.Key as Item);
      return [[`table:${pkOf(input.Key as Item)}`, readUnits(itemSize(item), consistent)]];
    }
    if (operation === "BatchGetItem" || operation === "TransactGetItems") {
      const keys = readKeys(operation, input, this.tableName);
      const factor = operation === "TransactGetItems" ? 2 : 1;
      const items = await Promise.all(keys.map((k) => this.get(k.key)));
      return keys.map((k, i) => [
        `table:${pkOf(k.key)}`,
        readUnits(itemSize(items[i]), k.consistent || factor === 2) * factor,
      ]);
    }
    if (operation === "Query") return [await this.queryCost(input as unknown as QueryCommandInput)];
    if (operation === "Scan") {
      const items = ((output as { Items?: Item[] }).Items ?? []) as Item[];
      const size = items.reduce((sum, item) => sum + itemSize(item), 0);
      return [[`${(input.IndexName as string) ?? "table"}:(scan)`, readUnits(size, consistent)]];
    }
    return [];
  }

  /** A Query bills every item it evaluated: run it again without filter and projection. */
  private async queryCost(input: QueryCommandInput): Promise<[string, number]> {
    const index = input.IndexName as keyof typeof TABLE.globalIndexes | undefined;
    const hashKey = index ? TABLE.globalIndexes[index].hashKey : TABLE.primaryIndex.hashKey;
    const { Items = [] } = await this.raw.send(
      new QueryCommand({
        TableName: input.TableName,
        IndexName: input.IndexName,
        KeyConditionExpression: input.KeyConditionExpression,
        ExpressionAttributeNames: usedNames(
          input.KeyConditionExpression,
          input.ExpressionAttributeNames,
        ),
        ExpressionAttributeValues: usedValues(
          input.KeyConditionExpression,
          input.ExpressionAttributeValues,
        ),
        ExclusiveStartKey: input.ExclusiveStartKey,
        ScanIndexForward: input.ScanIndexForward,
        Limit: input.Limit,
        ConsistentRead: input.ConsistentRead,
      }),
    );
    const size = Items.reduce((sum, item) => sum + itemSize(item), 0);
    const partition = partitionOf(input, hashKey);
    return [`${index ?? "table"}:${partition}`, readUnits(size, input.ConsistentRead === true)];
  }

  private async bill(cost: CallCost, compute: () => Promise<Array<[string, number]>>) {
    for (const [label, rcu] of await compute()) this.add(cost, label, 0, rcu);
  }

  private add(cost: CallCost, label: string, wcu: number, rcu: number): void {
    const units = this.keys.get(label) ?? { wcu: 0, rcu: 0, writes: 0, reads: 0 };
    units.wcu += wcu;
    units.rcu += rcu;
    if (wcu > 0) units.writes++;
    if (rcu > 0) units.reads++;
    this.keys.set(label, units);
    const call = cost.units.get(label) ?? { wcu: 0, rcu: 0 };
    call.wcu += wcu;
    call.rcu += rcu;
    cost.units.set(label, call);
  }

  private addItem(key: Item, wcu: number): void {
    const id = itemId(key);
    const units = this.items.get(id) ?? { wcu: 0, rcu: 0, writes: 0, reads: 0 };
    units.wcu += wcu;
    units.writes++;
    this.items.set(id, units);
  }

  private async get(key: Item): Promise<Item | undefined> {
    const { Item } = await this.raw.send(
      new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.overheadMs += performance.now() - started;
    }
  }

  /** Serialises writes to the same items, so that each one's before and after are its own. */
  private async lock(ids: string[]): Promise<() => void> {
    const sorted = [...new Set(ids)].sort();
    const waits = sorted.map((id) => this.locks.get(id) ?? Promise.resolve());
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const id of sorted) this.locks.set(id, held);
    await Promise.all(waits);
    return () => {
      for (const id of sorted) if (this.locks.get(id) === held) this.locks.delete(id);
      release();
    };
  }
}

const pkOf = (key: Item) => key[TABLE.primaryIndex.hashKey]?.S ?? "?";
const itemId = (key: Item) => `${pkOf(key)}|${key[TABLE.primaryIndex.rangeKey]?.S ?? ""}`;

/** The items a write call touches, each with its primary key. */
function writeOps(operation: string, input: Record<string, unknown>, table: string): WriteOp[] {
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

function readKeys(operation: string, input: Record<string, unknown>, table: string) {
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
function partitionOf(input: QueryCommandInput, hashKey: string): string {
  const names = input.ExpressionAttributeNames ?? {};
  for (const match of (input.KeyConditionExpression ?? "").matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const attribute = names[match[1] as string] ?? match[1];
    if (attribute === hashKey)
      return input.ExpressionAttributeValues?.[match[2] as string]?.S ?? "?";
  }
  return "?";
}

function usedNames(expression = "", names?: Record<string, string>) {
  if (!names) return undefined;
  const used = Object.fromEntries(Object.entries(names).filter(([n]) => expression.includes(n)));
  return Object.keys(used).length > 0 ? used : undefined;
}

function usedValues(expression = "", values?: Record<string, AttributeValue>) {
  if (!values) return undefined;
  return Object.fromEntries(
    Object.entries(values).filter(([n]) => new RegExp(`${n}\\b`).test(expression)),
  );
}
