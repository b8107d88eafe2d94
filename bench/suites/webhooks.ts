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
import { progress, type Suite } from "../lib/suite";

const BATCH = 10;

export const run: Suite = async (options) => {
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
  const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
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
    const auth = async (tenant: string) => ({
      Authorization: `Bearer ${await stack.token({ tenant, sub: "bench" })}`,
    });
    const hooked = await auth("hooked");
    const registered = await fetch(`${api}/webhooks`, {
      method: "POST",
      headers: { ...hooked, "content-type": "application/json" },
      body: JSON.stringify({ url: target }),
    });
    if (registered.status !== 201) throw new Error(`registration: ${registered.status}`);

    const ingestion = await timeIngestion(stack, options.quick);
    progress("webhooks", "timing upload → receiver");
    const latencies = await timeLatency(api, hooked, arrivals, options.quick ? 5 : 60);

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
        ratio(
          "webhooks.ingest.hooked/plain",
          "ingestion with a webhook / without",
          withHook,
          plain,
          {
            op: ">=",
            value: 0.5,
          },
        ),
      ],
      checks: {
        "every upload reached the receiver": latencies.length === (options.quick ? 5 : 60),
        "every ingested event succeeded": ingestion.failed === 0,
      },
      setup: { batch: BATCH, uploads: latencies.length, dynamodb: options.dynamodb },
      notes: [`latency median ${median(latencies).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`],
    } satisfies SuiteResult;
  } finally {
    await stack.stop();
    receiver.closeAllConnections();
    receiver.close();
  }
};

/** Events per second through the subscriber, for a tenant without and one with an endpoint. */
async function timeIngestion(stack: Awaited<ReturnType<typeof startLocalStack>>, quick: boolean) {
  const s3 = new S3Client({
    endpoint: stack.state.s3.endpoint,
    region: stack.state.region,
    forcePathStyle: true,
    credentials: stack.state.credentials,
  });
  const objects = async (tenant: string) => {
    const keys = Array.from({ length: 50 }, (_, i) => `tenants/${tenant}/bench/${i}.bin`);
    const etags: string[] = [];
    for (const key of keys) {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: stack.state.bucket, Key: key, Body: "x" }),
      );
      etags.push(String(put.ETag).replaceAll('"', ""));
    }
    return keys.map((key, i) => ({ key, etag: etags[i] as string }));
  };
  const [plainObjects, hookedObjects] = [await objects("plain"), await objects("hooked")];
  await stack.bridge.idle();
  await stack.webhooks.idle();
  const { handler } = await import("../../packages/functions/src/events/subscriber");
  const context = lambdaContext("filegate-bench-subscriber");
  let sequencer = BigInt(Date.now()) << 20n;
  let sent = 0;
  let failed = 0;
  const batch = (list: { key: string; etag: string }[]): ObjectEvent[] =>
    Array.from({ length: BATCH }, () => {
      const object = list[sent++ % list.length] as { key: string; etag: string };
      sequencer++;
      return {
        objectKey: object.key,
        etag: object.etag,
        size: 1,
        sequencer: sequencer.toString(16).toUpperCase(),
      };
    });
  // The sample events name the benchmarks' bucket: these are the stack's.
  const events = (list: { key: string; etag: string }[]) => {
    const event = sqsBatch(batch(list));
    for (const record of event.Records)
      record.body = record.body.replaceAll(BENCH.bucket, stack.state.bucket);
    return event;
  };
  const ingest = (list: { key: string; etag: string }[]) => async () => {
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
