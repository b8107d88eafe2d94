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
 * objects (the whole local path, emulator's disk work included). A second floor writes
 * what exactly-once ingestion cannot do without, and nothing else: each batch's states and
 * records, each conditional on being new, and the usage, in one transaction
 * (`ingest/transactions.ts`); the subscriber against it shows what the HeadObjects, the read
 * and its own work add.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, lambdaContext } from "@filegate/local";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { type ObjectEvent, sqsBatch } from "../lib/events";
import { type RoundOptions, type Samples, timeRounds } from "../lib/measure";
import { type Figure, figure, formatNumber, ratio, type SuiteResult } from "../lib/report";
import { presentFile, seedGrants } from "../lib/seed";
import { startServer } from "../lib/servers";
import { type BenchOptions, progress, type Suite } from "../lib/suite";
import { countCalls } from "./ingest/calls";
import { type StoredObject, storedObjects } from "./ingest/objects";
import { createRawTransactions } from "./ingest/transactions";
import { verifyIndex } from "./ingest/verify";

const BATCH = 10;
/** Batches run once more after timing, each DynamoDB call counted. */
const COUNTED_BATCHES = 5;

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
    const objects = await storedObjects(emulator, options.quick ? 20 : 200);
    // Each upload was made with a write grant (PUT /files/{key+}) whose record is here.
    await seedGrants(
      client,
      BENCH.table,
      objects.map((object) => object.key),
    );
    const subscriber = await createSubscriber(objects);
    const rawWrites = createRawWrites();
    const rawTransactions = createRawTransactions(BATCH);

    progress("ingest", `timing the subscriber (${options.variant}) and raw writes`);
    const rounds = options.quick
      ? { rounds: 3, roundMs: 30, warmupMs: 60 }
      : { rounds: 21, roundMs: 250, warmupMs: 1500 };
    const samples = await timeRounds(
      [
        { id: "subscriber", run: subscriber.run },
        { id: "raw", run: rawWrites },
        { id: "raw-transaction", run: rawTransactions },
      ],
      rounds,
    );
    // What an event costs in calls: a few more batches, each DynamoDB call counted by kind.
    const calls = await countCalls(subscriber.client, async () => {
      for (let i = 0; i < COUNTED_BATCHES; i++) await subscriber.run();
    });
    const checks = {
      "no event failed": subscriber.failed() === 0,
      ...(await verifyIndex(client, objects, subscriber.lastEvent)),
    };
    return report(options, { rounds, samples, calls, checks, objects, sent: subscriber.sent() });
  } finally {
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
};

/** The queue subscriber, fed batches of events of the objects in turn. */
interface Subscriber {
  /** Sends one batch of BATCH events. */
  run: () => Promise<void>;
  /** Each object's newest event. */
  lastEvent: ReadonlyMap<string, { sequencer: string; size: number }>;
  /** The handlers' own DynamoDB client (the same module instance): to count an event's calls. */
  client: DynamoDBClient;
  sent: () => number;
  failed: () => number;
}

/**
 * The subscriber and its events. S3 sequencers only grow; each event here is newer than the
 * last, so each is applied. Each event of an object reports another size than the one
 * before, as an overwrite with other content would: every event moves the tenant's usage.
 */
async function createSubscriber(objects: readonly StoredObject[]): Promise<Subscriber> {
  const { handler } = await import("../../packages/functions/src/events/subscriber");
  const { dynamo: client } = await import("../../packages/functions/src/lib/dynamo");
  const context = lambdaContext("filegate-bench-subscriber");
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
  const run = async () => {
    const response = await handler(sqsBatch(nextEvents()), context);
    failed += response.batchItemFailures.length;
  };
  return { run, lastEvent, client, sent: () => sent, failed: () => failed };
}

/**
 * The floor: the same number of items written as they are, BATCH at a time, with a
 * document client configured as the handlers' one is.
 */
function createRawWrites(): () => Promise<unknown> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  let written = 0;
  return () =>
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
}

/** What the suite measured and checked, for its report. */
interface Measured {
  rounds: RoundOptions;
  samples: Map<string, Samples>;
  calls: Map<string, number>;
  checks: Record<string, boolean>;
  objects: readonly StoredObject[];
  /** Events sent in all, counted batches included. */
  sent: number;
}

/** The subscriber's and the raw writes' rates and CPU time, and the calls per event. */
function ingestFigures(
  variant: string | undefined,
  title: string,
  samples: Map<string, Samples>,
  callsPerEvent: number,
): Record<"events" | "raw" | "rawTransaction" | "eventCpu" | "rawCpu" | "perEvent", Figure> {
  const perSecond = (id: string) => (samples.get(id)?.wall ?? []).map((us) => (BATCH * 1e6) / us);
  const cpuPerItem = (id: string) => (samples.get(id)?.cpu ?? []).map((us) => us / BATCH);
  return {
    events: figure(
      `ingest.${variant}.subscriber`,
      `subscriber, HeadObject from ${title}`,
      "events/s",
      perSecond("subscriber"),
      "higher",
    ),
    raw: figure(
      `ingest.${variant}.raw`,
      "raw writes (PutItem)",
      "items/s",
      perSecond("raw"),
      "higher",
    ),
    rawTransaction: figure(
      `ingest.${variant}.raw-transaction`,
      "raw transactions of the same writes (states and records conditional on being new, usage)",
      "events/s",
      perSecond("raw-transaction"),
      "higher",
    ),
    // This process's CPU time per event: the subscriber's own work and the SDK's, without
    // the emulators' and the neighbours'.
    eventCpu: figure(
      `ingest.${variant}.subscriber.cpu`,
      "subscriber, CPU time here per event",
      "µs",
      cpuPerItem("subscriber"),
    ),
    rawCpu: figure(
      `ingest.${variant}.raw.cpu`,
      "raw writes, CPU time here per item",
      "µs",
      cpuPerItem("raw"),
    ),
    perEvent: figure(`ingest.${variant}.calls`, "DynamoDB calls per event", "calls", [
      callsPerEvent,
    ]),
  };
}

/** The figures (events and items per second, CPU time, calls per event) and their ratios. */
function report(options: BenchOptions, measured: Measured): SuiteResult {
  const { rounds, samples, calls, checks, objects, sent } = measured;
  const emulator = options.variant === "s3-emulator";
  const countedEvents = COUNTED_BATCHES * BATCH;
  const callsPerEvent = [...calls.values()].reduce((sum, n) => sum + n, 0) / countedEvents;
  const title = emulator ? "S3 emulator (s3rver)" : "fixed-answer S3 endpoint";
  const { events, raw, rawTransaction, eventCpu, rawCpu, perEvent } = ingestFigures(
    options.variant,
    title,
    samples,
    callsPerEvent,
  );
  return {
    suite: `ingest-${options.variant}`,
    title: `3. Event ingestion, admitted uploads, HeadObject answered by the ${title} (batches of ${BATCH}, ${options.dynamodb})`,
    figures: [events, raw, rawTransaction, eventCpu, rawCpu, perEvent],
    ratios: [
      ratio(`ingest.${options.variant}.subscriber/raw`, "subscriber / raw writes", events, raw, {
        op: ">=",
        value: 0.5,
      }),
      // The subscriber against the writes it cannot do without: what its HeadObjects, its read
      // and its own work add (no goal: the one above is judged).
      ratio(
        `ingest.${options.variant}.subscriber/raw-transaction`,
        "subscriber / raw transactions of the same writes",
        events,
        rawTransaction,
      ),
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
}
