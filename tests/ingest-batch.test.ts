import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { TenantAccounts } from "@filegate/core/accounts";
import { AuditLog } from "@filegate/core/audit";
import {
  type BatchEntry,
  EventCommitter,
  type IngestDeps,
  ingestBatch,
} from "@filegate/core/events";
import { FileIndex } from "@filegate/core/files";
import { fileStateKey, historyPartition, normalizeSequencer } from "@filegate/core/table";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { UploadIntents } from "@filegate/core/uploads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Record } from "./helpers/events";
import { startTestTable } from "./helpers/table";

/**
 * Batch ingestion's write path, on both emulators (AWS's DynamoDB Local, and dynalite with
 * the transactions this project's patch gives it): a round of events is one transaction
 * (states, journal records and usage together). Crashed, duplicated, concurrent and
 * reordered batches must leave each event applied once, journaled once and counted once.
 */
const BUCKET = "bucket";

describe.each(["local", "dynalite"] as const)("batch ingestion on %s", (engine) => {
  let table: Awaited<ReturnType<typeof startTestTable>>;
  let accounts: TenantAccounts;
  let index: FileIndex;
  let deps: IngestDeps;
  const calls: string[] = [];

  beforeAll(async () => {
    table = await startTestTable(`batch-${engine}`, engine);
    const { doc: client, tableName } = table;
    const defaults = {
      maxObjectBytes: 1e12,
      maxBytes: null,
      maxObjects: null,
      allowedContentTypes: ["*/*"],
    };
    accounts = new TenantAccounts({ client, tableName, defaults });
    index = new FileIndex({ client, tableName, tombstoneTtlSeconds: 60 });
    const audit = new AuditLog({ client, tableName, retentionSeconds: 60 });
    deps = {
      commits: new EventCommitter({
        client,
        tableName,
        journal: audit,
        accounts,
        tombstoneTtlSeconds: 60,
      }),
      audit,
      accounts,
      intents: new UploadIntents({ client, tableName, retentionSeconds: 60 }),
      verify: async () => ({ admitted: true }),
      bucket: BUCKET,
      describeObject: async () => ({ contentType: "text/plain", etag: '"e"', metadata: {} }),
    };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(String(context.commandName).replace(/Command$/, ""));
        return next(args);
      },
      { step: "initialize", name: "countCalls" },
    );
  }, 60_000);
  afterAll(async () => {
    await table?.stop();
  });

  const created = (tenant: string, key: string, sequencer: string, size: number) =>
    s3Record({ bucket: BUCKET, objectKey: `tenants/${tenant}/${key}`, sequencer, size });
  const removed = (tenant: string, key: string, sequencer: string) =>
    s3Record({
      bucket: BUCKET,
      objectKey: `tenants/${tenant}/${key}`,
      sequencer,
      eventName: "ObjectRemoved:Delete",
    });
  const uploads = (tenant: string, count: number, size = 100) =>
    Array.from({ length: count }, (_, i) => created(tenant, `f${i}.txt`, "10", size + i));
  const outcomes = (entries: BatchEntry[]) =>
    entries.map((entry) => ("result" in entry ? entry.result.outcome : "error"));
  const used = async (tenant: string) => (await accounts.usage(tenant)).used;
  const journaled = async (tenant: string, key: string) => {
    const { Items = [] } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :log)",
        ExpressionAttributeValues: {
          ":pk": historyPartition(tenant, key, "event"),
          ":log": "LOG#",
        },
        ConsistentRead: true,
      }),
    );
    return Items.filter((item) => item.kind === "event");
  };
  const counted = async (run: () => Promise<unknown>) => {
    calls.length = 0;
    await run();
    return [...calls].sort();
  };

  it("writes a batch of ten uploads with one read and, with transactions, one write", async () => {
    const records = uploads("ten", 10);
    const sent = await counted(() => ingestBatch(records, deps));
    expect(sent.filter((call) => call === "BatchGetItem")).toHaveLength(1);
    expect(sent).toEqual(["BatchGetItem", "TransactWriteItems"]);
    expect(await used("ten")).toEqual({ bytes: 1045, objects: 10 });
    for (let i = 0; i < 10; i++) expect(await journaled("ten", `f${i}.txt`)).toHaveLength(1);
  });

  it("reads the batch's tenants' limits in the same call as its states and records", async () => {
    await accounts.setLimits("limited", { maxObjects: 7 });
    let read: Promise<ReadonlyMap<string, Record<string, unknown> | undefined>> | undefined;
    const records = [...uploads("limited", 2), ...uploads("unlimited", 2)];
    const sent = await counted(() =>
      ingestBatch(records, {
        ...deps,
        limitsRead: (tenants, items) => {
          expect([...tenants].sort()).toEqual(["limited", "unlimited"]);
          read = items;
        },
        // As the subscriber's verifier does: each arrival's limits from that read.
        verify: async (arrival) => {
          const limits = accounts.limitsFrom((await read)?.get(arrival.tenant));
          return { admitted: true, limits };
        },
      }),
    );
    expect(sent.filter((call) => call.startsWith("Get") || call === "Query")).toEqual([]);
    expect(sent.filter((call) => call === "BatchGetItem")).toHaveLength(1);
    // The quota tenant's two uploads are admitted together, in one conditional update.
    expect(sent.filter((call) => call === "UpdateItem")).toHaveLength(1);
    expect((await used("limited")).objects).toBe(2);
    const items = await read;
    expect(items?.get("limited")).toMatchObject({ maxObjects: 7 });
    expect(items?.has("unlimited")).toBe(true);
    expect(items?.get("unlimited")).toBeUndefined();
    expect(accounts.limitsFrom(items?.get("limited")).maxObjects).toBe(7);
  });

  it("changes nothing when a committed batch is delivered again (a crash before its ack)", async () => {
    const records = uploads("again", 10);
    expect(outcomes(await ingestBatch(records, deps))).toEqual(Array(10).fill("applied"));
    expect(outcomes(await ingestBatch(records, deps))).toEqual(Array(10).fill("duplicate"));
    expect(await used("again")).toEqual({ bytes: 1045, objects: 10 });
    for (let i = 0; i < 10; i++) expect(await journaled("again", `f${i}.txt`)).toHaveLength(1);
  });

  it("reads the states alone for new events, and the records of repeats before deciding them", async () => {
    const records = uploads("reads", 4);
    const read: string[][] = [];
    const reading: IngestDeps = {
      ...deps,
      commits: {
        read: (events, tenants, parts) => {
          read.push(
            [
              parts?.states === false ? "" : "states",
              parts?.records === false ? "" : "records",
            ].filter(Boolean),
          );
          return deps.commits.read(events, tenants, parts);
        },
        write: (plans) => deps.commits.write(plans),
      },
    };
    expect(await counted(() => ingestBatch(records, reading))).toEqual([
      "BatchGetItem",
      "TransactWriteItems",
    ]);
    expect(read).toEqual([["states"]]);
    read.length = 0;
    // Delivered again: the states make them repeats, so their records are read, and found.
    expect(await counted(() => ingestBatch(records, reading))).toEqual([
      "BatchGetItem",
      "BatchGetItem",
    ]);
    expect(read).toEqual([["states"], ["records"]]);
    expect(await used("reads")).toEqual({ bytes: 406, objects: 4 });
    for (let i = 0; i < 4; i++) expect(await journaled("reads", `f${i}.txt`)).toHaveLength(1);
  });

  it("counts an event once when its record exists but its state does not (the write is cancelled, then all is read)", async () => {
    const record = created("gone", "a.txt", "30", 77);
    expect(outcomes(await ingestBatch([record], deps))).toEqual(["applied"]);
    // The file's item disappears (as an expired tombstone does), its record stays.
    await table.doc.send(
      new DeleteCommand({ TableName: table.tableName, Key: fileStateKey("gone", "a.txt") }),
    );
    const sent = await counted(() => ingestBatch([record], deps));
    expect(sent).toEqual([
      "BatchGetItem",
      "BatchGetItem",
      "TransactWriteItems",
      "TransactWriteItems",
    ]);
    expect(await journaled("gone", "a.txt")).toHaveLength(1);
    expect(await used("gone")).toEqual({ bytes: 77, objects: 1 });
  });

  it("leaves nothing behind when it crashes before writing, and applies all on redelivery", async () => {
    const records = uploads("crash", 5);
    const crashing: IngestDeps = {
      ...deps,
      commits: {
        read: (...args) => deps.commits.read(...args),
        write: async () => {
          throw new Error("the function was stopped");
        },
      },
    };
    expect(outcomes(await ingestBatch(records, crashing))).toEqual(Array(5).fill("error"));
    expect(await used("crash")).toEqual({ bytes: 0, objects: 0 });
    expect(await journaled("crash", "f0.txt")).toHaveLength(0);
    expect(outcomes(await ingestBatch(records, deps))).toEqual(Array(5).fill("applied"));
    expect(await used("crash")).toEqual({ bytes: 510, objects: 5 });
  });

  it("finishes an event whose state was written without its record once, on redelivery", async () => {
    // A state with no journal record and no usage, as a write that stopped half-way would leave it.
    await index.applyCreated({
      tenant: "half" as TenantId,
      key: "a.txt" as FileKey,
      seq: normalizeSequencer("20"),
      size: 42,
      etag: "e",
      contentType: "text/plain",
      eventTime: new Date().toISOString(),
    });
    const record = created("half", "a.txt", "20", 42);
    expect(outcomes(await ingestBatch([record], deps))).toEqual(["duplicate"]);
    expect(await journaled("half", "a.txt")).toHaveLength(1);
    // The transaction writes the record and the usage together, on both engines.
    const expected = { bytes: 42, objects: 1 };
    expect(await used("half")).toEqual(expected);
    expect(outcomes(await ingestBatch([record], deps))).toEqual(["duplicate"]);
    expect(await used("half")).toEqual(expected);
    expect(await journaled("half", "a.txt")).toHaveLength(1);
  });

  it("counts once when the same batch is delivered twice at the same time, reordered", async () => {
    const records = uploads("twice", 10);
    const [first, second] = await Promise.all([
      ingestBatch(records, deps),
      ingestBatch([...records].reverse(), deps),
    ]);
    const all = [...outcomes(first ?? []), ...outcomes(second ?? [])];
    expect(all.filter((outcome) => outcome === "applied")).toHaveLength(10);
    expect(all.filter((outcome) => outcome === "duplicate")).toHaveLength(10);
    expect(await used("twice")).toEqual({ bytes: 1045, objects: 10 });
    for (let i = 0; i < 10; i++) expect(await journaled("twice", `f${i}.txt`)).toHaveLength(1);
  });

  it("applies the events of one file in a batch in sequencer order, whatever their order", async () => {
    const records = [
      created("order", "a.txt", "0C", 7),
      removed("order", "a.txt", "0B"),
      created("order", "a.txt", "0A", 5),
      created("order", "b.txt", "0A", 3),
    ];
    const sent = await counted(async () => {
      expect(outcomes(await ingestBatch(records, deps))).toEqual(Array(4).fill("applied"));
    });
    // Three rounds: a transaction touches an item once.
    expect(sent.filter((c) => c === "TransactWriteItems")).toHaveLength(3);
    const state = await index.get("order" as TenantId, "a.txt" as FileKey);
    expect(state).toMatchObject({ state: "present", size: 7, seq: normalizeSequencer("0C") });
    expect(await used("order")).toEqual({ bytes: 10, objects: 2 });
    const history = await journaled("order", "a.txt");
    expect(history.map((record) => record.stale)).toEqual([false, false, false]);
    // An older event arriving after them is stale: journaled, not counted, not applied.
    const late = await ingestBatch([created("order", "a.txt", "09", 99)], deps);
    expect(outcomes(late)).toEqual(["stale"]);
    expect(await used("order")).toEqual({ bytes: 10, objects: 2 });
    expect((await journaled("order", "a.txt")).filter((r) => r.stale)).toHaveLength(1);
  });

  it("cuts a batch into transactions of at most a hundred items", async () => {
    const records = ["t1", "t2", "t3"].flatMap((tenant) => uploads(tenant, 20, 10));
    const sent = await counted(async () => {
      expect(outcomes(await ingestBatch(records, deps))).toEqual(Array(60).fill("applied"));
    });
    expect(sent.filter((c) => c === "TransactWriteItems")).toHaveLength(2);
    for (const tenant of ["t1", "t2", "t3"]) {
      expect(await used(tenant)).toEqual({ bytes: 390, objects: 20 });
    }
  });
});
