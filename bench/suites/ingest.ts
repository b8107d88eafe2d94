/**
 * Event ingestion: events per second through the queue subscriber (SQS batches of 10 S3
 * records) into the DynamoDB emulator, against raw writes of as many items with the same
 * kind of client. The subscriber asks S3 for each created object's Content-Type
 * (HeadObject); the variant says who answers: `fixed-head`, a server that answers like S3
 * at once (the subscriber's own cost), or `s3-emulator`, the local stack's s3rver holding the
 * objects (the whole local path, emulator's disk work included).
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { fileStateKey, normalizeSequencer } from "@filegate/core/table";
import { ensureTable, lambdaContext } from "@filegate/local";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { type ObjectEvent, sqsBatch } from "../lib/events";
import { inParallel, timeRounds } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { presentFile } from "../lib/seed";
import { FIXED_OBJECT, startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";

const BATCH = 10;

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

    const { handler } = await import("../../packages/functions/src/events/subscriber");
    const context = lambdaContext("filegate-bench-subscriber");
    // S3 sequencers only grow; each event here is newer than the last, so each is applied.
    let sequencer = BigInt(Date.now()) << 16n;
    let sent = 0;
    let failed = 0;
    const lastSequencer = new Map<string, string>();
    const nextEvents = (): ObjectEvent[] =>
      Array.from({ length: BATCH }, () => {
        const object = objects[sent++ % objects.length] as StoredObject;
        sequencer++;
        lastSequencer.set(object.key, sequencer.toString(16).toUpperCase());
        return {
          objectKey: object.key,
          sequencer: sequencer.toString(16).toUpperCase(),
          size: object.size,
          etag: object.etag,
        };
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

    // Every object's item must hold the newest event sent for it: none was lost, none stale.
    const newest = await Promise.all(
      objects.map(async (object) => {
        const { Item } = await client.send(
          new GetItemCommand({
            TableName: BENCH.table,
            Key: marshall(
              fileStateKey(BENCH.tenant, object.key.replace(`tenants/${BENCH.tenant}/`, "")),
            ),
          }),
        );
        return (
          Item?.seq?.S === normalizeSequencer(lastSequencer.get(object.key) ?? "0") &&
          Item?.contentType?.S === FIXED_OBJECT.contentType
        );
      }),
    );
    const checks = {
      "no event failed": failed === 0,
      "every object's item holds its newest event, Content-Type from HeadObject":
        newest.every(Boolean),
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
    const result: SuiteResult = {
      suite: `ingest-${options.variant}`,
      title: `3. Event ingestion, HeadObject answered by the ${title} (batches of ${BATCH}, ${options.dynamodb})`,
      figures: [events, raw, eventCpu, rawCpu],
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
      },
      notes: [],
    };
    return result;
  } finally {
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
};

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
        }),
      );
      objects.push({ key, size: body.length, etag: (put.ETag ?? "").replaceAll('"', "") });
    },
  );
  s3.destroy();
  return objects;
}
