/**
 * Event ingestion: events per second through the queue subscriber (SQS batches of 10 S3
 * records) into the DynamoDB emulator, against raw writes of as many items with the same
 * kind of client. Every event is an upload made with a write grant of the service, so every
 * event takes the admitted path: HeadObject (Content-Type, and the grant's sealed attestation
 * in the metadata, verified in memory: no table read), the tenant's limits, the file's state,
 * the event's audit record and the tenant's usage (each event of an object reports another
 * size), the table's part read and written for the whole batch at once. The
 * variant says who answers the HeadObject: `fixed-head`, a server that answers like S3 at
 * once (the subscriber's own cost), or `s3-emulator`, the local stack's s3rver holding the
 * objects (the whole local path, emulator's disk work included).
 */
import { DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { ATTESTATION_METADATA } from "@filegate/core/attest";
import { GRANT_METADATA } from "@filegate/core/audit";
import { fileStateKey, normalizeSequencer, tenantUsageKey } from "@filegate/core/table";
import { ensureTable, lambdaContext } from "@filegate/local";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { type ObjectEvent, sqsBatch } from "../lib/events";
import { attestationFor, grantIdFor } from "../lib/grants";
import { inParallel, timeRounds } from "../lib/measure";
import { figure, formatNumber, ratio, type SuiteResult } from "../lib/report";
import { presentFile, seedGrants } from "../lib/seed";
import { FIXED_OBJECT, startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";

const BATCH = 10;
/** Batches run once more after timing, each DynamoDB call counted. */
const COUNTED_BATCHES = 5;

interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

export const run: Suite = async (options) => {
  const emulator = options.variant === "s3-emulator";
  const [dynamo, s3] = await Promise.all([
    startServer(options.dynamodb),
    startServer(emulator ? "s3" : "head"),
  ]);
  try {
    useHandlerEnvironment(handlerEnvironment({ dynamodb: dynamo.endpoint, s3: s3.endpoint }));
    const client = new DynamoDBClient({});
    await ensureTable(client, BENCH.table);
    // Events cycle through the objects: with as many objects as this, no two events of one
    // key are ever in flight together, so none is applied out of order (and none is stale).
    const count = options.quick ? 20 : 200;
    const objects = emulator
      ? await uploadObjects(count)
      : Array.from({ length: count }, (_, i) => ({
          key: `tenants/${BENCH.tenant}/inbox/scan-${i}.pdf`,
          size: FIXED_OBJECT.size,
          etag: FIXED_OBJECT.etag,
        }));
    // Each upload was made with a write grant (PUT /files/{key+}) whose record is here.
    await seedGrants(
      client,
      BENCH.table,
      objects.map((object) => object.key),
    );

    const { handler } = await import("../../packages/functions/src/events/subscriber");
    // The handlers' own client (the same module instance): to count an event's calls.
    const { dynamo: handlerClient } = await import("../../packages/functions/src/lib/dynamo");
    const context = lambdaContext("filegate-bench-subscriber");
    // S3 sequencers only grow; each event here is newer than the last, so each is applied.
    // Each event of an object reports another size than the one before, as an overwrite
    // with other content would: every event moves the tenant's usage.
    let sequencer = BigInt(Date.now()) << 16n;
    let sent = 0;
    let failed = 0;
    const lastEvent = new Map<string, { sequencer: string; size: number }>();
    const nextEvents = (): ObjectEvent[] =>
      Array.from({ length: BATCH }, () => {
        const object = objects[sent % objects.length] as StoredObject;
        const size = object.size + (Math.floor(sent / objects.length) % 2);
        sent++;
        sequencer++;
        const event = { sequencer: sequencer.toString(16).toUpperCase(), size };
        lastEvent.set(object.key, event);
        return { objectKey: object.key, etag: object.etag, ...event };
      });
    const subscriber = async () => {
      const response = await handler(sqsBatch(nextEvents()), context);
      failed += response.batchItemFailures.length;
    };

    // The floor: the same number of items written as they are, BATCH at a time, with a
    // document client configured as the handlers' one is.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    let written = 0;
    const rawWrites = () =>
      Promise.all(
        Array.from({ length: BATCH }, () => {
          const n = written++;
          return documents.send(
            new PutCommand({
              TableName: BENCH.table,
              Item: presentFile(BENCH.tenant, `raw/${n}.pdf`, (n + 1).toString(16)),
            }),
          );
        }),
      );

    progress("ingest", `timing the subscriber (${options.variant}) and raw writes`);
    const rounds = options.quick
      ? { rounds: 3, roundMs: 30, warmupMs: 60 }
      : { rounds: 21, roundMs: 250, warmupMs: 1500 };
    const samples = await timeRounds(
      [
        { id: "subscriber", run: subscriber },
        { id: "raw", run: rawWrites },
      ],
      rounds,
    );
    const perSecond = (id: string) => (samples.get(id)?.wall ?? []).map((us) => (BATCH * 1e6) / us);
    const cpuPerItem = (id: string) => (samples.get(id)?.cpu ?? []).map((us) => us / BATCH);

    // What an event costs in calls: a few more batches, each DynamoDB call counted by kind.
    const calls = new Map<string, number>();
    const COUNTER = "filegateBenchCallCounter";
    handlerClient.middlewareStack.add(
      (next, context) => async (args) => {
        const kind = callKind(context.commandName ?? "", args.input);
        calls.set(kind, (calls.get(kind) ?? 0) + 1);
        return next(args);
      },
      { step: "initialize", name: COUNTER },
    );
    for (let i = 0; i < COUNTED_BATCHES; i++) await subscriber();
    handlerClient.middlewareStack.remove(COUNTER);
    const countedEvents = COUNTED_BATCHES * BATCH;
    const callsPerEvent = [...calls.values()].reduce((sum, n) => sum + n, 0) / countedEvents;

    const checks = {
      "no event failed": failed === 0,
      ...(await verifyIndex(client, objects, lastEvent)),
    };

    const title = emulator ? "S3 emulator (s3rver)" : "fixed-answer S3 endpoint";
    const events = figure(
      `ingest.${options.variant}.subscriber`,
      `subscriber, HeadObject from ${title}`,
      "events/s",
      perSecond("subscriber"),
      "higher",
    );
    const raw = figure(
      `ingest.${options.variant}.raw`,
      "raw writes (PutItem)",
      "items/s",
      perSecond("raw"),
      "higher",
    );
    // This process's CPU time per event: the subscriber's own work and the SDK's, without the
    // emulators' and the neighbours'.
    const eventCpu = figure(
      `ingest.${options.variant}.subscriber.cpu`,
      "subscriber, CPU time here per event",
      "µs",
      cpuPerItem("subscriber"),
    );
    const rawCpu = figure(
      `ingest.${options.variant}.raw.cpu`,
      "raw writes, CPU time here per item",
      "µs",
      cpuPerItem("raw"),
    );
    const perEvent = figure(
      `ingest.${options.variant}.calls`,
      "DynamoDB calls per event",
      "calls",
      [callsPerEvent],
    );
    const result: SuiteResult = {
      suite: `ingest-${options.variant}`,
      title: `3. Event ingestion, admitted uploads, HeadObject answered by the ${title} (batches of ${BATCH}, ${options.dynamodb})`,
      figures: [events, raw, eventCpu, rawCpu, perEvent],
      ratios: [
        ratio(`ingest.${options.variant}.subscriber/raw`, "subscriber / raw writes", events, raw, {
          op: ">=",
          value: 0.5,
        }),
        ratio(
          `ingest.${options.variant}.subscriber/raw.cpu`,
          "CPU time here, subscriber / raw writes",
          eventCpu,
          rawCpu,
        ),
      ],
      checks,
      setup: {
        ...rounds,
        batch: BATCH,
        dynamodb: options.dynamodb,
        headObject: emulator ? "s3rver" : "fixed answer",
        objects: objects.length,
        events: sent,
        grants:
          "every upload carries the attestation of its write grant, verified in memory (the grant's record is not read)",
      },
      notes: [
        `per event: ${[...calls]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([kind, n]) => `${kind} ${formatNumber(n / countedEvents)}`)
          .join(", ")} (${formatNumber(callsPerEvent)} DynamoDB calls), and one HeadObject`,
      ],
    };
    return result;
  } finally {
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
};

/**
 * What the index must hold once every event is in: each object's newest event, admitted
 * (none lost, none stale, none quarantined); the tenant's usage counting each object once,
 * at its last size; and the events' audit records linked to the grants of their uploads.
 */
async function verifyIndex(
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
        ":pk": fileStateKey(BENCH.tenant, keyOf(first)).pk,
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
  if (RequestItems) return `${operation} (states, audit records)`;
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

/** Puts `count` objects into the S3 emulator, as uploads through presigned URLs would. */
async function uploadObjects(count: number): Promise<StoredObject[]> {
  const s3 = new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const objects: StoredObject[] = [];
  const body = Buffer.alloc(FIXED_OBJECT.size, 7);
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const key = `tenants/${BENCH.tenant}/inbox/scan-${i}.pdf`;
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: BENCH.bucket,
          Key: key,
          Body: body,
          ContentType: FIXED_OBJECT.contentType,
          // The write grant's id, as a presigned PUT of Filegate's signs it in.
          Metadata: {
            [GRANT_METADATA]: grantIdFor(key),
            [ATTESTATION_METADATA]: attestationFor(key),
          },
        }),
      );
      objects.push({ key, size: body.length, etag: (put.ETag ?? "").replaceAll('"', "") });
    },
  );
  s3.destroy();
  return objects;
}
