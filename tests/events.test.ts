import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { LocalStack } from "@filegate/local";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeys } from "./helpers/http";
import { s3ClientFor, startInProcessStack } from "./helpers/in-process";

// The stack runs in this test process: the test reaches into its event bridge and
// invokes the very subscriber module it feeds.
let stack: LocalStack;
let s3: S3Client;
let auth: Record<string, string>;
const fixture = (name: string) => readFile(join(import.meta.dirname, "fixtures", name), "utf8");

beforeAll(async () => {
  stack = await startInProcessStack({ maxReceiveCount: 3, backoffMs: () => 5 });

  s3 = s3ClientFor(stack.state);
  auth = { Authorization: `Bearer ${await stack.token({ tenant: "acme", sub: "alice" })}` };
});
afterAll(async () => {
  await stack?.stop();
});

async function deadLetters(): Promise<
  Array<{ messageId: string; body: string; receiveCount: number }>
> {
  try {
    const text = await readFile(stack.state.deadLetterFile, "utf8");
    return text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

/** The S3 event records of one of acme's files, from its audit history. */
async function eventsOf(key: string) {
  const response = await fetch(`${stack.state.apiUrl}/audit?key=${encodeURIComponent(key)}`, {
    headers: auth,
  });
  const page = (await response.json()) as { items: Array<Record<string, unknown>> };
  return page.items.filter((record) => record.kind === "event");
}

async function subscriber() {
  const module = await import("../packages/functions/src/events/subscriber");
  return (event: SQSEvent) => module.handler(event, {} as Context) as Promise<SQSBatchResponse>;
}

function sqs(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "s3",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
      awsRegion: "us-east-1",
    })),
  };
}

describe("the queue subscriber", () => {
  it("applies an S3 record with a form-encoded key", async () => {
    const handle = await subscriber();
    const result = await handle(sqs(await fixture("s3-put-event.json")));
    expect(result.batchItemFailures).toEqual([]);
    // No such object exists in S3, so it is not admitted; its event is on the decoded key.
    expect(await eventsOf("reports/q3 summary+%final.pdf")).toEqual([
      expect.objectContaining({ event: "ObjectCreated:Put", size: 1024, verdict: "quarantined" }),
    ]);
  });

  it("reports only the bad message of a batch as failed", async () => {
    const handle = await subscriber();
    const good = (await fixture("s3-put-event.json"))
      .replace("q3+summary", "good")
      .replace("0055AED6DCD90281E5", "0055AED6DCD90281F0");
    const result = await handle(
      sqs(
        good,
        "not json at all",
        '{"Records":[{"eventSource":"aws:s3"}]}',
        await fixture("s3-test-event.json"),
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }]);
    expect(await eventsOf("reports/good+%final.pdf")).toHaveLength(1);
  });

  it("fails a record with an impossible sequencer rather than guessing", async () => {
    const handle = await subscriber();
    const good = (await fixture("s3-put-event.json")).replace(
      "0055AED6DCD90281E5",
      "0055AED6DCD90281E6",
    );
    const bad = (await fixture("s3-put-event.json")).replace("0055AED6DCD90281E5", "not-hex");
    expect((await handle(sqs(good, bad))).batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    // A batch whose every message fails is thrown back whole, as Lambda expects.
    await expect(handle(sqs(bad))).rejects.toThrow(/All records failed/);
  });
});

describe("the local event bridge", () => {
  it("skips objects outside the tenant layout without failing", async () => {
    const before = stack.bridge.stats.failed;
    await s3.send(
      new PutObjectCommand({ Bucket: stack.state.bucket, Key: "outside/thing.txt", Body: "x" }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.state.bucket,
        Key: "tenants/acme/bad//key.txt",
        Body: "x",
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.state.bucket,
        Key: "tenants/acme/inside.txt",
        Body: "x",
      }),
    );
    await stack.bridge.idle();
    expect(stack.bridge.stats.failed).toBe(before);
    // Uploaded behind the API's back: recorded, quarantined, never listed.
    expect(await eventsOf("inside.txt")).toEqual([
      expect.objectContaining({
        verdict: "quarantined",
        reason: "it carries no attestation of an upload this service granted",
        attribution: "none",
      }),
    ]);
    expect(await listKeys(stack.state.apiUrl, auth)).not.toContain("inside.txt");
    expect(await listKeys(stack.state.apiUrl, auth)).not.toContain("bad//key.txt");
  });

  it("retries a failing message, then keeps it in the dead-letter file with its body", async () => {
    const poison = '{"Records": "poison"}';
    stack.bridge.send(poison, "poison-1");
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.state.bucket,
        Key: "tenants/acme/after-poison.txt",
        Body: "x",
      }),
    );
    await stack.bridge.idle();

    const letters = await deadLetters();
    expect(letters).toEqual([
      expect.objectContaining({ messageId: "poison-1", body: poison, receiveCount: 3 }),
    ]);
    expect(await eventsOf("after-poison.txt")).toHaveLength(1);
  });

  it("gives each event a unique, increasing sequencer even within one millisecond", async () => {
    const published: string[] = [];
    const original = stack.bridge.send.bind(stack.bridge);
    stack.bridge.send = (body: string, id?: string) => {
      published.push(JSON.parse(body).Records[0].s3.object.sequencer);
      original(body, id);
    };
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s3.send(
            new PutObjectCommand({
              Bucket: stack.state.bucket,
              Key: `tenants/acme/burst/${i}`,
              Body: "x",
            }),
          ),
        ),
      );
      await stack.bridge.idle();
    } finally {
      stack.bridge.send = original;
    }
    expect(published).toHaveLength(20);
    const values = published.map((s) => BigInt(`0x${s}`));
    for (let i = 1; i < values.length; i++)
      expect(values[i]).toBeGreaterThan(values[i - 1] as bigint);
    for (let i = 0; i < 20; i++) expect(await eventsOf(`burst/${i}`)).toHaveLength(1);
  });
});
