import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { type AuditLog, parseAuditQuery } from "@filegate/core/audit";
import { loadSettings } from "@filegate/core/config";
import { encodeEventKey, type IngestDeps } from "@filegate/core/events";
import type { FileIndex } from "@filegate/core/files";
import { headObjectDescriber } from "@filegate/core/storage";
import { openStore } from "@filegate/core/store";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { EventBridge, type LocalStack, presignerFor, redriveDeadLetters } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Record } from "./helpers/events";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { CapturedMetrics } from "./helpers/metrics";
import { run } from "./helpers/stack";

/**
 * Faults injected into a running local stack: the DynamoDB emulator stopping mid-batch, an
 * outage longer than every retry, a poison message among good ones, a subscriber that throws
 * for one key. Whatever happens, no event is lost: it is applied, retried, or kept in the
 * dead-letter file with its whole message, and `npm run redrive` brings it back.
 */
const MAX_RECEIVES = 4;
let stack: LocalStack;
let dir: string;
let _s3: S3Client;
let index: FileIndex;
let audit: AuditLog;
let store: Pick<IngestDeps, "accounts" | "intents" | "verify" | "commits">;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "filegate-faults-"));
  stack = await startInProcessStack({
    dir,
    maxReceiveCount: MAX_RECEIVES,
    backoffMs: (attempt) => 150 * attempt,
  });
  _s3 = s3ClientFor(stack.state);
  const opened = openStore({
    client: documentClientFor(stack.state),
    tableName: stack.state.table,
    settings: loadSettings(process.env),
  });
  index = opened.files;
  audit = opened.audit;
  store = {
    accounts: opened.accounts,
    intents: opened.intents,
    commits: opened.commits,
    verify: (arrival) => opened.verifier.verify(arrival),
  };
});
afterAll(async () => {
  await stack?.stop();
});

async function deadLetters(file = stack.state.deadLetterFile) {
  try {
    return (await readFile(file, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { messageId: string; body: string; receiveCount: number });
  } catch {
    return [];
  }
}

async function keys(tenant: string) {
  const auth = { Authorization: `Bearer ${await stack.token({ tenant, sub: "reader" })}` };
  return (await listKeys(stack.state.apiUrl, auth)).sort();
}

/** The number of journal records of each S3 event of a file (must be one each). */
async function journaled(tenant: string, key: string) {
  const query = parseAuditQuery({ key }, { tenant, scopes: new Set() });
  return (await audit.query(query)).items.filter((r) => r.kind === "event").length;
}

/**
 * Files whose events reached the index, admitted or quarantined (the events of these tests
 * may name objects that are not in S3: verification is not what they are about).
 */
async function indexed(tenant: string) {
  const query = parseAuditQuery({ limit: "1000" }, { tenant, scopes: new Set() });
  const named = new Set((await audit.query(query)).items.map((record) => record.key));
  const held: string[] = [];
  for (const key of named) {
    const item = await index.get(tenant as TenantId, key as FileKey);
    if (item && item.state !== "deleted") held.push(key);
  }
  return held.sort();
}

/** Asks the API for a write grant (DynamoDB must be up); the upload itself comes later. */
async function grant(tenant: string, key: string) {
  const auth = { Authorization: `Bearer ${await stack.token({ tenant, sub: "writer" })}` };
  const response = await fetch(`${stack.state.apiUrl}/files/${encodeURIComponent(key)}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  expect(response.status).toBe(200);
  const { url } = (await response.json()) as { url: string };
  return () => fetch(url, { method: "PUT", body: new Blob([key]) });
}

/** An S3 notification body, as the queue would carry it. */
function notification(tenant: string, key: string, sequencer: string): string {
  const objectKey = `tenants/${tenant}/${key}`;
  return JSON.stringify({
    Records: [s3Record({ bucket: stack.state.bucket, objectKey, sequencer, size: 1 })],
  });
}

describe("faults in the local stack", () => {
  it("loses nothing when DynamoDB stops mid-batch and comes back", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, "0")}.txt`);
    const before = { ...stack.bridge.stats };
    const grants = await Promise.all(names.map((name) => grant("outage", name)));
    const uploads = Promise.all(grants.map((upload) => upload()));
    // Stop the emulator as soon as the first batch is through: the rest are mid-flight.
    while (stack.bridge.stats.delivered === before.delivered) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await stack.dynamo.suspend();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await stack.dynamo.resume();
    await uploads;
    await stack.bridge.idle();

    expect(stack.bridge.stats.failed).toBeGreaterThan(before.failed);
    expect(stack.bridge.stats.deadLettered).toBe(before.deadLettered);
    expect(await keys("outage")).toEqual(names);
    for (const name of names) expect(await journaled("outage", name), name).toBe(1);
  });

  it("applies the good messages of a batch and dead-letters a poison one with its body", async () => {
    const poison = '{"Records":[{"eventSource":"aws:s3","s3":"poison"}]}';
    // Sent in one tick: one batch.
    stack.bridge.send(notification("batch", "good-1.txt", "A1"), "good-1");
    stack.bridge.send(poison, "poison-1");
    stack.bridge.send(notification("batch", "good-2.txt", "A2"), "good-2");
    await stack.bridge.idle();

    expect(await indexed("batch")).toEqual(["good-1.txt", "good-2.txt"]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ messageId: "poison-1", body: poison, receiveCount: MAX_RECEIVES }),
    ]);
  });

  it("dead-letters everything through a long outage, and `npm run redrive` replays it", async () => {
    const names = ["a.txt", "b c.txt", "d+e%.txt"];
    const grants = await Promise.all(names.map((name) => grant("redrive", name)));
    await stack.dynamo.suspend();
    for (const upload of grants) await upload();
    await stack.bridge.idle();
    await stack.dynamo.resume();

    const letters = await deadLetters();
    expect(letters).toHaveLength(1 + names.length);
    for (const name of names) {
      expect(
        letters.some((letter) => letter.body.includes(encodeEventKey(name))),
        name,
      ).toBe(true);
    }
    expect(await keys("redrive")).toEqual([]);

    const result = await run("npm", ["run", "--silent", "redrive", "--", "--dir", dir]);
    // The poison message fails again: said on stderr, with a failing exit code.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/1 message\(s\) failed again/);
    expect(JSON.parse(result.stdout)).toEqual({
      redriven: 4,
      applied: 3,
      deadLetteredAgain: 1,
      unreadable: 0,
    });
    expect(await keys("redrive")).toEqual([...names].sort());
    expect((await deadLetters()).map((letter) => letter.messageId)).toEqual(["poison-1"]);
    // Replaying an applied event again changes nothing: the subscriber is idempotent.
    for (const name of names) expect(await journaled("redrive", name), name).toBe(1);
  });
});

describe("a subscriber that throws for one key", () => {
  it("applies the rest, retries and dead-letters that key, and applies it on redrive", async () => {
    const { createSubscriber } = await import("../packages/functions/src/events/subscriber");
    let broken = true;
    let attempts = 0;
    const logs: Array<{ message: string } & Record<string, unknown>> = [];
    const log = (message: string, fields?: unknown) =>
      logs.push({ message, ...(fields as Record<string, unknown>) });
    const metrics = new CapturedMetrics();
    const headObject = headObjectDescriber(presignerFor(stack.state));
    // The one key whose records throw: its HeadObject fails while `broken`.
    const describeObject: typeof headObject = async (objectKey) => {
      if (objectKey.endsWith("/cursed.txt")) {
        attempts++;
        if (broken) throw new Error("injected fault for cursed.txt");
      }
      return headObject(objectKey);
    };
    const subscriber = createSubscriber({
      ingest: () => ({
        audit,
        ...store,
        bucket: stack.state.bucket,
        describeObject,
      }),
      logger: { info: log, error: log } as never,
      metrics,
      maxReceiveCount: 3,
    });
    const deadLetterFile = join(dir, "throws-dead-letters.jsonl");
    const bridge = new EventBridge({
      region: "us-east-1",
      queueArn: "arn:aws:sqs:us-east-1:000000000000:faults",
      deliver: (event) => subscriber(event, {} as never),
      maxReceiveCount: 3,
      backoffMs: () => 10,
      deadLetterFile,
      log: () => {},
    });
    const emulated = (key: string) => ({
      eventName: "ObjectCreated:Put",
      eventTime: new Date().toISOString(),
      awsRegion: "us-east-1",
      s3: {
        bucket: { name: stack.state.bucket },
        object: { key: `tenants/throws/${key}`, size: 3, eTag: "abc", sequencer: "0" },
      },
    });
    for (const key of ["good-1.txt", "cursed.txt", "good-2.txt"]) bridge.publish(emulated(key));
    await bridge.idle();

    expect(await indexed("throws")).toEqual(["good-1.txt", "good-2.txt"]);
    expect(attempts).toBe(3);
    const [letter, ...others] = await deadLetters(deadLetterFile);
    expect(others).toEqual([]);
    expect(letter?.receiveCount).toBe(3);
    expect(JSON.parse(letter?.body ?? "{}").Records[0].s3.object.key).toBe(
      "tenants/throws/cursed.txt",
    );

    // Logged with tenant, key, event, sequencer and outcome; counted for the operator.
    expect(logs).toContainEqual(
      expect.objectContaining({
        message: "event applied",
        tenant: "throws",
        key: "good-1.txt",
        eventName: "ObjectCreated:Put",
        sequencer: expect.any(String),
        outcome: "applied",
      }),
    );
    expect(logs.filter((l) => l.outcome === "failed")).toEqual([
      expect.objectContaining({ tenant: "throws", key: "cursed.txt", deadLettered: false }),
      expect.objectContaining({ deadLettered: false }),
      expect.objectContaining({
        message: expect.stringMatching(/dead-lettered/),
        deadLettered: true,
      }),
    ]);
    expect(metrics.total("EventsApplied")).toBe(2);
    expect(metrics.total("EventsFailed")).toBe(3);
    expect(metrics.total("EventsDeadLettered")).toBe(1);

    broken = false;
    expect(await redriveDeadLetters(deadLetterFile, bridge)).toEqual({
      redriven: 1,
      applied: 1,
      deadLetteredAgain: 0,
      unreadable: 0,
    });
    expect(await indexed("throws")).toEqual(["cursed.txt", "good-1.txt", "good-2.txt"]);
    expect(await deadLetters(deadLetterFile)).toEqual([]);
    // Applied (no such object is in S3, so it is held as quarantined).
    expect(await index.get("throws" as TenantId, "cursed.txt" as FileKey)).toMatchObject({
      state: "quarantined",
      size: 3,
    });
  });
});
