/**
 * Webhooks, on the whole local stack in this process: what publishing webhooks adds to event
 * ingestion, and how long an upload takes to reach a receiver.
 *
 * - Ingestion: the queue subscriber on batches of 10 S3 events of objects in the stack's S3
 *   emulator, for a tenant with no endpoint against one with an endpoint subscribed to every
 *   event (each event queues a message on the local SQS endpoint), rounds interleaved.
 * - Latency: uploads through the API (presigned PUT), one at a time; from the start of the
 *   PUT to the receiver holding the delivery: S3's event, the subscriber, the queue, the
 *   delivery function and the POST, as the local stack runs them.
 */

import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { lambdaContext, startLocalStack } from "@filegate/local";
import { BENCH } from "../lib/environment";
import { type ObjectEvent, sqsBatch } from "../lib/events";
import { median, timeRounds } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { type BenchOptions, progress, type Suite } from "../lib/suite";

const BATCH = 10;

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

export const run: Suite = async (options) => {
  const receiver = await startReceiver();
  const stack = await startLocalStack({
    dir: await mkdtemp(join(tmpdir(), "filegate-bench-webhooks-")),
    memory: true,
    port: 0,
    s3Port: 0,
    dynamodbPort: 0,
    dynamodb: options.dynamodb === "dynamodb-local" ? "local" : "dynalite",
    logLevel: "SILENT",
    jobIntervalMs: 0,
    log: () => {},
  });
  try {
    const api = stack.state.apiUrl;
    const hooked = await register(stack, receiver.target);
    const ingestion = await timeIngestion(stack, options.quick);
    progress("webhooks", "timing upload → receiver");
    const latencies = await timeLatency(api, hooked, receiver.arrivals, options.quick ? 5 : 60);
    return report(options, ingestion, latencies);
  } finally {
    await stack.stop();
    receiver.close();
  }
};

/** A webhook receiver on a free port, noting when each key's first delivery arrived. */
async function startReceiver(): Promise<{
  target: string;
  arrivals: Map<string, number>;
  close: () => void;
}> {
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data: { key: string } };
      if (!arrivals.has(body.data.key)) arrivals.set(body.data.key, performance.now());
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  return {
    target: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    arrivals,
    close: () => {
      receiver.closeAllConnections();
      receiver.close();
    },
  };
}

/** Registers the receiver as an endpoint of the tenant `hooked`; returns that tenant's auth. */
async function register(stack: LocalStack, target: string): Promise<Record<string, string>> {
  const hooked = {
    Authorization: `Bearer ${await stack.token({ tenant: "hooked", sub: "bench" })}`,
  };
  const registered = await fetch(`${stack.state.apiUrl}/webhooks`, {
    method: "POST",
    headers: { ...hooked, "content-type": "application/json" },
    body: JSON.stringify({ url: target }),
  });
  if (registered.status !== 201) throw new Error(`registration: ${registered.status}`);
  return hooked;
}

/** Ingestion rates with and without an endpoint, and the upload → receiver latencies. */
function report(
  options: BenchOptions,
  ingestion: { plain: number[]; hooked: number[]; failed: number },
  latencies: number[],
): SuiteResult {
  const plain = figure(
    "webhooks.ingest.plain",
    "subscriber, tenant without webhooks",
    "events/s",
    ingestion.plain,
    "higher",
  );
  const withHook = figure(
    "webhooks.ingest.hooked",
    "subscriber, tenant with one endpoint (every event queued)",
    "events/s",
    ingestion.hooked,
    "higher",
  );
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
  return {
    suite: "webhooks",
    title: `Webhooks: ingestion with and without an endpoint, and upload → receiver latency (local stack, ${options.dynamodb})`,
    figures: [
      plain,
      withHook,
      figure("webhooks.latency.median", "upload → receiver, median", "ms", latencies),
      figure("webhooks.latency.p99", "upload → receiver, p99", "ms", [p99]),
    ],
    ratios: [
      ratio("webhooks.ingest.hooked/plain", "ingestion with a webhook / without", withHook, plain, {
        op: ">=",
        value: 0.5,
      }),
    ],
    checks: {
      "every upload reached the receiver": latencies.length === (options.quick ? 5 : 60),
      "every ingested event succeeded": ingestion.failed === 0,
    },
    setup: { batch: BATCH, uploads: latencies.length, dynamodb: options.dynamodb },
    notes: [`latency median ${median(latencies).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`],
  };
}

/** An object in the stack's bucket. */
interface StackObject {
  key: string;
  etag: string;
}

/** Events per second through the subscriber, for a tenant without and one with an endpoint. */
async function timeIngestion(stack: LocalStack, quick: boolean) {
  const s3 = new S3Client({
    endpoint: stack.state.s3.endpoint,
    region: stack.state.region,
    forcePathStyle: true,
    credentials: stack.state.credentials,
  });
  const [plainObjects, hookedObjects] = [
    await putObjects(stack, s3, "plain"),
    await putObjects(stack, s3, "hooked"),
  ];
  await stack.bridge.idle();
  await stack.webhooks.idle();
  const { handler } = await import("../../packages/functions/src/events/subscriber");
  const context = lambdaContext("filegate-bench-subscriber");
  const events = eventBatches(stack);
  let failed = 0;
  const ingest = (list: StackObject[]) => async () => {
    failed += (await handler(events(list), context)).batchItemFailures.length;
  };
  progress("webhooks", "timing the subscriber with and without an endpoint");
  const samples = await timeRounds(
    [
      { id: "plain", run: ingest(plainObjects) },
      { id: "hooked", run: ingest(hookedObjects) },
    ],
    quick
      ? { rounds: 3, roundMs: 50, warmupMs: 100 }
      : { rounds: 15, roundMs: 300, warmupMs: 1000 },
  );
  const perSecond = (id: string) => (samples.get(id)?.wall ?? []).map((us) => (BATCH * 1e6) / us);
  await stack.webhooks.idle();
  return { plain: perSecond("plain"), hooked: perSecond("hooked"), failed };
}

/** Puts 50 objects of the tenant into the stack's S3 emulator, one at a time. */
async function putObjects(stack: LocalStack, s3: S3Client, tenant: string): Promise<StackObject[]> {
  const keys = Array.from({ length: 50 }, (_, i) => `tenants/${tenant}/bench/${i}.bin`);
  const etags: string[] = [];
  for (const key of keys) {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: stack.state.bucket, Key: key, Body: "x" }),
    );
    etags.push(String(put.ETag).replaceAll('"', ""));
  }
  return keys.map((key, i) => ({ key, etag: etags[i] as string }));
}

/**
 * Batches of BATCH S3 events of the objects in turn, each newer than the last, as the queue
 * delivers them to the subscriber.
 */
function eventBatches(stack: LocalStack): (list: StackObject[]) => ReturnType<typeof sqsBatch> {
  let sequencer = BigInt(Date.now()) << 20n;
  let sent = 0;
  const batch = (list: StackObject[]): ObjectEvent[] =>
    Array.from({ length: BATCH }, () => {
      const object = list[sent++ % list.length] as StackObject;
      sequencer++;
      return {
        objectKey: object.key,
        etag: object.etag,
        size: 1,
        sequencer: sequencer.toString(16).toUpperCase(),
      };
    });
  // The sample events name the benchmarks' bucket: these are the stack's.
  return (list) => {
    const event = sqsBatch(batch(list));
    for (const record of event.Records)
      record.body = record.body.replaceAll(BENCH.bucket, stack.state.bucket);
    return event;
  };
}

/** Milliseconds from the start of each upload to its delivery at the receiver. */
async function timeLatency(
  api: string,
  auth: Record<string, string>,
  arrivals: Map<string, number>,
  uploads: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < uploads; i++) {
    const key = `latency/${i}.txt`;
    const started = performance.now();
    const signed = (await (
      await fetch(`${api}/files/${key}`, {
        method: "PUT",
        headers: { ...auth, accept: "application/json", "content-type": "text/plain" },
      })
    ).json()) as { url: string; method: string; headers: Record<string, string> };
    await fetch(signed.url, {
      method: signed.method,
      headers: signed.headers,
      body: new Blob([key]),
    });
    const deadline = Date.now() + 10_000;
    while (!arrivals.has(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const arrived = arrivals.get(key);
    if (arrived !== undefined) latencies.push(arrived - started);
  }
  return latencies;
}
