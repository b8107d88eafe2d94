import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Filegate, NotFoundError, verifyWebhook } from "@filegate/client";
import { pendingKeys, uploadKey, webhooksPartition } from "@filegate/core/table";
import type { LocalStack } from "@filegate/local";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filegate } from "./helpers/cli";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { type Received, Receiver } from "./helpers/receiver";

// The whole local stack in this process: the real subscriber publishes, the local SQS endpoint
// queues, the real delivery function POSTs to real HTTP receivers.
let stack: LocalStack;
let s3: S3Client;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startInProcessStack();
  s3 = s3ClientFor(stack.state);
});
afterAll(async () => {
  for (const receiver of receivers) await receiver.stop();
  await stack?.stop();
});

async function receiver(): Promise<Receiver> {
  const started = await new Receiver().start();
  receivers.push(started);
  return started;
}

async function auth(tenant: string): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await stack.token({ tenant, sub: `${tenant}-user` })}` };
}

async function call(
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${stack.state.apiUrl}${path}`, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : {} };
}

async function register(headers: Record<string, string>, url: string, events?: string[]) {
  const created = await call(headers, "POST", "/webhooks", { url, ...(events ? { events } : {}) });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return created.json as { id: string; secret: string; events: string[] };
}

/** Uploads through the API (a presigned PUT, sent by this test), and waits for the events. */
async function upload(headers: Record<string, string>, key: string, body: string) {
  const response = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "PUT",
    headers: { ...headers, accept: "application/json", "content-type": "text/plain" },
  });
  const signed = (await response.json()) as {
    url: string;
    method: string;
    headers: Record<string, string>;
  };
  const put = await fetch(signed.url, {
    method: signed.method,
    headers: signed.headers,
    body: new Blob([body]),
  });
  expect(put.status).toBe(200);
  await stack.bridge.idle();
}

async function remove(headers: Record<string, string>, key: string) {
  const response = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "DELETE",
    headers: { ...headers, accept: "application/json" },
  });
  const signed = (await response.json()) as {
    url: string;
    method: string;
    headers: Record<string, string>;
  };
  expect((await fetch(signed.url, { method: signed.method, headers: signed.headers })).status).toBe(
    204,
  );
  await stack.bridge.idle();
}

function verify(secret: string, request: { headers: Record<string, unknown>; body: string }) {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

describe("webhook endpoints", () => {
  it("registers an endpoint with a whsec_ secret and refuses unsafe targets", async () => {
    const headers = await auth("reg");
    const target = await receiver();
    const created = await register(headers, target.url);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created.events).toHaveLength(6);
    for (const url of [
      "http://example.com/hook",
      "https://10.0.0.8/hook",
      "https://169.254.169.254/",
      "ftp://x/",
      "https://[::ffff:10.0.0.1]/",
    ]) {
      const refused = await call(headers, "POST", "/webhooks", { url });
      expect(refused.status, url).toBe(400);
      expect(refused.json).toMatchObject({ error: { code: "invalid_webhook_url" } });
    }
    const listed = await call(headers, "GET", "/webhooks");
    expect(listed.json.items).toEqual([
      expect.objectContaining({ id: created.id, url: target.url }),
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(created.secret);
  });
});

describe("webhook deliveries", () => {
  it("tells of an upload, an overwrite, a delete and a quarantined upload, each verifiable", async () => {
    const headers = await auth("acme");
    const target = await receiver();
    const { secret } = await register(headers, target.url);
    await upload(headers, "docs/a.txt", "one");
    await upload(headers, "docs/a.txt", "two!");
    await remove(headers, "docs/a.txt");
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.state.bucket,
        Key: "tenants/acme/sneaky.bin",
        Body: "x",
      }),
    );
    await stack.bridge.idle();
    await stack.webhooks.idle();
    const received = await target.waitFor(4);
    for (const request of received) expect(verify(secret, request)).toBeTruthy();
    const events = target.events();
    expect(events.map((event) => event.type)).toEqual([
      "file.created",
      "file.updated",
      "file.deleted",
      "file.quarantined",
    ]);
    expect(events[1]?.data).toMatchObject({
      tenant: "acme",
      key: "docs/a.txt",
      size: 4,
      contentType: "text/plain",
      actor: "acme-user",
      attribution: "metadata",
    });
    expect(events[3]?.data).toMatchObject({ key: "sneaky.bin", actor: null, attribution: "none" });
    // A tampered body fails verification.
    const first = received[0] as { headers: Record<string, unknown>; body: string };
    expect(() =>
      verify(secret, { ...first, body: first.body.replace("a.txt", "b.txt") }),
    ).toThrow();
  });

  it("reads a tenant's endpoints once for each event it tells them of", async () => {
    const headers = await auth("counted");
    const target = await receiver();
    await register(headers, target.url);
    // The handlers' own document client (this process runs them): its Queries of the
    // tenant's endpoints, while the upload's event is ingested and told.
    const { dynamo } = await import("../packages/functions/src/lib/dynamo");
    const reads: string[] = [];
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const values = (args.input as { ExpressionAttributeValues?: Record<string, unknown> })
          .ExpressionAttributeValues;
        if (
          context.commandName === "QueryCommand" &&
          values?.[":pk"] === webhooksPartition("counted")
        ) {
          reads.push(String(values[":pk"]));
        }
        return next(args);
      },
      { step: "initialize", name: "countEndpointReads" },
    );
    try {
      await upload(headers, "docs/counted.txt", "one");
      await stack.webhooks.idle();
      expect(target.events().map((event) => event.type)).toEqual(["file.created"]);
      expect(reads).toHaveLength(1);
    } finally {
      dynamo.middlewareStack.remove("countEndpointReads");
    }
  });

  it("retries a receiver that answers 500 twice with the same webhook-id, then records it", async () => {
    const headers = await auth("retry");
    const target = await receiver();
    target.answer = (_request, index) => (index < 2 ? 500 : 200);
    const { id, secret } = await register(headers, target.url, ["file.created"]);
    await upload(headers, "r.txt", "x");
    const received = await target.waitFor(3);
    await stack.webhooks.idle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    for (const request of received) expect(verify(secret, request)).toBeTruthy();
    const deliveries = await call(headers, "GET", `/webhooks/${id}/deliveries`);
    const items = deliveries.json.items as Array<Record<string, unknown>>;
    expect(items.map((item) => [item.attempt, item.status, item.responseCode])).toEqual([
      [3, "delivered", 200],
      [2, "failed", 500],
      [1, "failed", 500],
    ]);
    expect(items[0]?.latencyMs).toEqual(expect.any(Number));
  });

  it("delivers everything to a receiver that was down for a while, once it is back", async () => {
    const headers = await auth("downtime");
    const target = await receiver();
    await register(headers, target.url, ["file.created"]);
    await target.stop();
    for (const name of ["1", "2", "3"]) await upload(headers, `d/${name}.txt`, name);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(target.received).toHaveLength(0);
    await target.start();
    await stack.webhooks.idle();
    const keys = target.events().map((event) => event.data.key);
    expect(new Set(keys)).toEqual(new Set(["d/1.txt", "d/2.txt", "d/3.txt"]));
    expect(keys).toHaveLength(3);
  });

  it("never shows tenant B another tenant's endpoints or events", async () => {
    const alice = await auth("tenant-a");
    const bob = await auth("tenant-b");
    const forA = await receiver();
    const forB = await receiver();
    const a = await register(alice, forA.url);
    await register(bob, forB.url);
    await upload(alice, "secret.txt", "a's");
    await stack.webhooks.idle();
    await forA.waitFor(1);
    expect(forB.received).toHaveLength(0);
    expect((await call(bob, "GET", "/webhooks")).json.items).toHaveLength(1);
    for (const [method, path, body] of [
      ["GET", `/webhooks/${a.id}`],
      ["PATCH", `/webhooks/${a.id}`, { enabled: false }],
      ["DELETE", `/webhooks/${a.id}`],
      ["POST", `/webhooks/${a.id}/rotate-secret`],
      ["GET", `/webhooks/${a.id}/deliveries`],
      ["POST", `/webhooks/${a.id}/replay`, { from: new Date(Date.now() - 3600_000).toISOString() }],
    ] as const) {
      const answer = await call(bob, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    expect((await call(alice, "GET", `/webhooks/${a.id}`)).json).toMatchObject({ enabled: true });
  });

  it("replays exactly the events of a time range, with their original webhook-ids", async () => {
    const headers = await auth("replay");
    const target = await receiver();
    const { id } = await register(headers, target.url);
    await upload(headers, "before.txt", "0");
    await stack.webhooks.idle();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const from = new Date().toISOString();
    await upload(headers, "in-1.txt", "1");
    await upload(headers, "in-2.txt", "2");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const to = new Date().toISOString();
    await upload(headers, "after.txt", "3");
    await stack.webhooks.idle();
    const live = [...(await target.waitFor(4))];
    const idsOf = (key: string) =>
      live.filter((r) => JSON.parse(r.body).data.key === key).map((r) => r.headers["webhook-id"]);
    const replay = await call(headers, "POST", `/webhooks/${id}/replay`, { from, to });
    expect(replay.status).toBe(202);
    expect(replay.json.queued).toBe(2);
    await stack.webhooks.idle();
    const replayed = (await target.waitFor(6)).slice(4);
    expect(replayed.map((r) => JSON.parse(r.body).data.key).sort()).toEqual([
      "in-1.txt",
      "in-2.txt",
    ]);
    expect(replayed.map((r) => r.headers["webhook-id"]).sort()).toEqual(
      [...idsOf("in-1.txt"), ...idsOf("in-2.txt")].sort(),
    );
  });
});

describe("upload.expired", () => {
  it("tells an endpoint of an upload intent the sweep expired, once", async () => {
    const headers = await auth("expiring");
    const target = await receiver();
    const { secret } = await register(headers, target.url, ["upload.expired"]);
    const created = await call(headers, "POST", "/uploads", {
      key: "never.bin",
      size: 5,
      contentType: "application/octet-stream",
    });
    expect(created.status).toBe(201);
    const id = String(created.json.id);
    // Its time is past: the sweep (the scheduled job's handler) expires it.
    const past = new Date(Date.now() - 60_000).toISOString();
    await documentClientFor(stack.state).send(
      new UpdateCommand({
        TableName: stack.state.table,
        Key: uploadKey(id),
        UpdateExpression: "SET gsi4pk = :pk, gsi4sk = :sk, intentExpiresAt = :at",
        ExpressionAttributeValues: {
          ":pk": pendingKeys(id, past).gsi4pk,
          ":sk": pendingKeys(id, past).gsi4sk,
          ":at": past,
        },
      }),
    );
    expect(await stack.runJob("sweepUploads")).toEqual({ expired: 1 });
    expect(await stack.runJob("sweepUploads")).toEqual({ expired: 0 });
    await stack.webhooks.idle();
    const [delivery] = await target.waitFor(1);
    expect(verify(secret, delivery as Received)).toMatchObject({
      type: "upload.expired",
      data: { tenant: "expiring", key: "never.bin", size: 5, intentId: id },
    });
    expect(target.received).toHaveLength(1);
  });
});

describe("the client", () => {
  it("manages endpoints and verifies what they receive with verifyWebhook", async () => {
    const token = await stack.token({ tenant: "client-co", sub: "dev" });
    const filegate = new Filegate({ baseUrl: stack.state.apiUrl, token });
    const target = await receiver();
    const created = await filegate.webhooks.create({ url: target.url, events: ["file.created"] });
    expect(await filegate.webhooks.list()).toEqual([expect.objectContaining({ id: created.id })]);
    await filegate.upload("c.txt", new Blob(["c"]), { contentType: "text/plain", wait: true });
    await stack.webhooks.idle();
    const [delivery] = await target.waitFor(1);
    const event = await verifyWebhook(
      created.secret,
      delivery?.body ?? "",
      delivery?.headers ?? {},
    );
    expect(event).toMatchObject({
      type: "file.created",
      data: { key: "c.txt", tenant: "client-co" },
    });
    await expect(
      verifyWebhook(created.secret, `${delivery?.body} `, delivery?.headers ?? {}),
    ).rejects.toThrow(/signature/);
    const stale = new Date(Date.now() + 10 * 60_000);
    await expect(
      verifyWebhook(created.secret, delivery?.body ?? "", delivery?.headers ?? {}, stale),
    ).rejects.toThrow(/timestamp/);

    const rotated = await filegate.webhooks.rotateSecret(created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(await filegate.webhooks.update(created.id, { enabled: false })).toMatchObject({
      enabled: false,
    });
    expect((await filegate.webhooks.deliveries(created.id))[0]).toMatchObject({
      status: "delivered",
      eventType: "file.created",
      responseCode: 200,
    });
    await filegate.webhooks.delete(created.id);
    await expect(filegate.webhooks.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("the command line", () => {
  it("adds, lists, shows deliveries of, replays and removes an endpoint", async () => {
    const env = {
      FILEGATE_URL: stack.state.apiUrl,
      FILEGATE_TOKEN: await stack.token({ tenant: "cli-co", sub: "ops" }),
    };
    const cli = async (...args: string[]) => {
      const result = await filegate(["--json", "webhooks", ...args], { env });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    const target = await receiver();
    const since = new Date(Date.now() - 1000).toISOString();
    const added = await cli("add", target.url, "--events", "file.created");
    expect(added).toMatchObject({ url: target.url, events: ["file.created"] });
    expect(added.secret).toMatch(/^whsec_/);
    expect(await cli("ls")).toEqual([expect.objectContaining({ id: added.id })]);
    await upload(await auth("cli-co"), "cli.txt", "x");
    await stack.webhooks.idle();
    await target.waitFor(1);
    expect(await cli("deliveries", added.id)).toEqual([
      expect.objectContaining({ status: "delivered", attempt: 1 }),
    ]);
    expect(await cli("replay", added.id, "--from", since)).toEqual({ queued: 1 });
    await stack.webhooks.idle();
    await target.waitFor(2);
    expect(await cli("rm", added.id)).toEqual({ deleted: added.id });
    const missing = await filegate(["webhooks", "rm", added.id], { env });
    expect(missing.code).toBe(3);
  });
});
