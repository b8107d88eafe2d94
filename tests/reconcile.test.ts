import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DeleteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type AuditLog, type AuditRecord, parseAuditQuery } from "@filegate/core/audit";
import { loadSettings } from "@filegate/core/config";
import { type IngestDeps, ingestRecord, type S3EventRecord } from "@filegate/core/events";
import type { FileIndex } from "@filegate/core/files";
import {
  ReconcileCheckpoint,
  type ReconcileDeps,
  type ReconcileSummary,
  reconcile,
} from "@filegate/core/reconcile";
import { headObjectDescriber, s3ObjectLister } from "@filegate/core/storage";
import { openStore } from "@filegate/core/store";
import { fileStateKey, normalizeSequencer } from "@filegate/core/table";
import { type FileKey, isValidKey, type TenantId } from "@filegate/core/tenancy";
import type { LocalStack } from "@filegate/local";
import { presignerFor } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Record } from "./helpers/events";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { CapturedMetrics } from "./helpers/metrics";
import { eventually, run, startStack } from "./helpers/stack";

/**
 * The reconciler against the local stack: drift made behind the service's back (index rows
 * deleted, objects removed without an event, events lost on the way) is found and repaired,
 * for one tenant or all, and never at the expense of an event that lands while it runs.
 */
let stack: LocalStack;
let dir: string;
let s3: S3Client;
let doc: DynamoDBDocumentClient;
let index: FileIndex;
let audit: AuditLog;
let deps: ReconcileDeps & IngestDeps;
/** Object keys whose S3 events the bridge drops: lost events. */
const lose = new Set<string>();

const tenant = (t: string) => t as TenantId;
const fileKey = (k: string) => k as FileKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "filegate-reconcile-"));
  stack = await startInProcessStack({ dir });
  const send = stack.bridge.send.bind(stack.bridge);
  stack.bridge.send = (body: string, id?: string) => {
    const key = JSON.parse(body).Records?.[0]?.s3?.object?.key as string | undefined;
    if (key && lose.has(decodeURIComponent(key.replaceAll("+", " ")))) return;
    send(body, id);
  };
  s3 = s3ClientFor(stack.state);
  doc = documentClientFor(stack.state);
  const store = openStore({
    client: doc,
    tableName: stack.state.table,
    settings: loadSettings(process.env),
  });
  index = store.files;
  audit = store.audit;
  deps = {
    index,
    audit,
    commits: store.commits,
    accounts: store.accounts,
    intents: store.intents,
    verify: (arrival) => store.verifier.verify(arrival),
    bucket: stack.state.bucket,
    objects: s3ObjectLister(s3, stack.state.bucket),
    describeObject: headObjectDescriber(presignerFor(stack.state)),
  };
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * Uploads as an app does, through a grant of the API (so the object is explained and
 * admitted); a key the API would refuse goes straight to S3. `lost` drops its S3 event.
 */
async function put(t: string, key: string, body: string, options: { lost?: boolean } = {}) {
  const objectKey = `tenants/${t}/${key}`;
  if (options.lost) lose.add(objectKey);
  if (isValidKey(key)) {
    const auth = { Authorization: `Bearer ${await stack.token({ tenant: t, sub: "writer" })}` };
    const path = key.split("/").map(encodeURIComponent).join("/");
    const grant = await fetch(`${stack.state.apiUrl}/files/${path}`, {
      method: "PUT",
      headers: { ...auth, Accept: "application/json" },
    });
    const { url } = (await grant.json()) as { url: string };
    expect((await fetch(url, { method: "PUT", body: new Blob([body]) })).status).toBe(200);
  } else {
    await s3.send(new PutObjectCommand({ Bucket: stack.state.bucket, Key: objectKey, Body: body }));
  }
  await stack.bridge.idle();
  lose.delete(objectKey);
}

/** Batch DeleteObjects: S3 (and the emulator) emit no event for these. */
async function removeQuietly(t: string, ...keys: string[]) {
  await s3.send(
    new DeleteObjectsCommand({
      Bucket: stack.state.bucket,
      Delete: { Objects: keys.map((key) => ({ Key: `tenants/${t}/${key}` })) },
    }),
  );
}

async function dropRow(t: string, key: string) {
  await doc.send(new DeleteCommand({ TableName: stack.state.table, Key: fileStateKey(t, key) }));
}

async function bucketKeys(t: string): Promise<string[]> {
  const page = await s3.send(
    new ListObjectsV2Command({ Bucket: stack.state.bucket, Prefix: `tenants/${t}/` }),
  );
  return (page.Contents ?? []).map((o) => (o.Key ?? "").slice(`tenants/${t}/`.length)).sort();
}

async function indexKeys(t: string): Promise<string[]> {
  const auth = { Authorization: `Bearer ${await stack.token({ tenant: t, sub: "reader" })}` };
  return (await listKeys(stack.state.apiUrl, auth)).sort();
}

async function history(t: string, key: string): Promise<AuditRecord[]> {
  const query = parseAuditQuery({ key, limit: "1000" }, { tenant: t, scopes: new Set() });
  return (await audit.query(query)).items;
}

/** `npm run reconcile` against this stack (the CLI, in its own process). */
async function cli(...args: string[]): Promise<ReconcileSummary> {
  const result = await run("npm", ["run", "--silent", "reconcile", "--", "--dir", dir, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ReconcileSummary;
}

/** The scheduled reconciler's checkpoint in this stack's table. */
function checkpoint(): ReconcileCheckpoint {
  return new ReconcileCheckpoint({ client: doc, tableName: stack.state.table });
}

function created(t: string, key: string, sequencer: string): S3EventRecord {
  const objectKey = `tenants/${t}/${key}`;
  return s3Record({ bucket: stack.state.bucket, objectKey, sequencer, size: 1, eTag: "late" });
}

describe("the reconciler", () => {
  it("restores a correct index after drift behind the service's back", async () => {
    await put("acme", "row-deleted.txt", "a");
    await put("acme", "object-deleted.txt", "b");
    await put("acme", "lost-create.txt", "c", { lost: true });
    await put("acme", "lost-overwrite.txt", "v1");
    await put("acme", "lost-overwrite.txt", "version 2", { lost: true });
    await put("acme", "recreated.txt", "d");
    await s3.send(
      new DeleteObjectCommand({ Bucket: stack.state.bucket, Key: "tenants/acme/recreated.txt" }),
    );
    await stack.bridge.idle();
    await put("acme", "recreated.txt", "d again", { lost: true });
    await put("acme", "untouched.txt", "e");
    await dropRow("acme", "row-deleted.txt");
    await removeQuietly("acme", "object-deleted.txt");
    // Another tenant, and one whose name extends the first: both drift too.
    await put("globex", "plan.txt", "x");
    await dropRow("globex", "plan.txt");
    await put("acme2", "other.txt", "y");
    await removeQuietly("acme2", "other.txt");

    expect(await indexKeys("acme")).not.toEqual(await bucketKeys("acme"));
    const dry = await cli("--tenant", "acme", "--grace-seconds", "0", "--dry-run");
    expect(dry.found).toEqual({ missing: 3, outdated: 1, gone: 1, invalidKeys: 0 });
    expect(dry.fixed).toEqual({ added: 0, updated: 0, quarantined: 0, tombstoned: 0 });

    const summary = await cli("--tenant", "acme", "--grace-seconds", "0");
    expect(summary).toMatchObject({
      scope: "acme",
      complete: true,
      tenants: 1,
      found: { missing: 3, outdated: 1, gone: 1, invalidKeys: 0 },
      fixed: { added: 3, updated: 1, quarantined: 0, tombstoned: 1 },
      skipped: 0,
    });
    expect(summary.repairs.map((r) => `${r.found}:${r.action}:${r.key}`).sort()).toEqual([
      "gone:tombstoned:object-deleted.txt",
      "missing:added:lost-create.txt",
      "missing:added:recreated.txt",
      "missing:added:row-deleted.txt",
      "outdated:updated:lost-overwrite.txt",
    ]);
    expect(await indexKeys("acme")).toEqual(await bucketKeys("acme"));
    expect(await index.get(tenant("acme"), fileKey("lost-overwrite.txt"))).toMatchObject({
      state: "present",
      size: 9,
    });
    expect(await index.get(tenant("acme"), fileKey("object-deleted.txt"))).toMatchObject({
      state: "deleted",
    });
    const found = (await history("acme", "row-deleted.txt")).at(-1);
    expect(found).toMatchObject({
      kind: "event",
      event: "Reconciler:ObjectFound",
      attribution: "reconciled",
    });
    const gone = (await history("acme", "object-deleted.txt")).at(-1);
    expect(gone).toMatchObject({ event: "Reconciler:ObjectGone", action: "delete" });

    // --tenant acme touched no other tenant, not even one whose prefix starts the same.
    expect(await indexKeys("globex")).toEqual([]);
    expect(await indexKeys("acme2")).toEqual(["other.txt"]);

    // A second run finds nothing; a run over every tenant repairs the others.
    const again = await cli("--tenant", "acme", "--grace-seconds", "0");
    expect(again.found).toEqual({ missing: 0, outdated: 0, gone: 0, invalidKeys: 0 });
    const all = await cli("--grace-seconds", "0");
    expect(all.scope).toBe("*");
    expect(all.tenants).toBeGreaterThanOrEqual(3);
    expect(all.fixed).toEqual({ added: 1, updated: 0, quarantined: 0, tombstoned: 1 });
    expect(await indexKeys("globex")).toEqual(["plan.txt"]);
    expect(await indexKeys("acme2")).toEqual([]);
  });

  it("quarantines an object it finds that nothing explains, and leaves it so", async () => {
    const objectKey = "tenants/vault/smuggled.bin";
    lose.add(objectKey);
    await s3.send(new PutObjectCommand({ Bucket: stack.state.bucket, Key: objectKey, Body: "x" }));
    await stack.bridge.idle();
    lose.delete(objectKey);

    const first = await cli("--tenant", "vault", "--grace-seconds", "0");
    expect(first.fixed).toEqual({ added: 0, updated: 0, quarantined: 1, tombstoned: 0 });
    expect(await indexKeys("vault")).toEqual([]);
    expect(await index.get(tenant("vault"), fileKey("smuggled.bin"))).toMatchObject({
      state: "quarantined",
      reason: "it carries no attestation of an upload this service granted",
    });
    const again = await cli("--tenant", "vault", "--grace-seconds", "0");
    expect(again.fixed).toEqual({ added: 0, updated: 0, quarantined: 0, tombstoned: 0 });
  });

  it("recounts a tenant's usage that drifted", async () => {
    await put("ledger", "a.txt", "12345");
    await put("ledger", "b.txt", "678");
    const store = openStore({
      client: doc,
      tableName: stack.state.table,
      settings: loadSettings(process.env),
    });
    const truth = await store.accounts.usage("ledger");
    expect(truth.used).toEqual({ bytes: 8, objects: 2 });
    // A usage change lost to a crash, and one applied twice by hand.
    await store.accounts.adjust("ledger", { bytes: -5, objects: -1 });
    await store.accounts.adjust("other-ledger", { bytes: 7, objects: 1 });

    const summary = await cli("--tenant", "ledger", "--grace-seconds", "0");
    expect(summary.usageRecounted).toBe(1);
    expect(await store.accounts.usage("ledger")).toEqual(truth);
    // Only the tenant asked for.
    expect((await store.accounts.usage("other-ledger")).used).toEqual({ bytes: 7, objects: 1 });
    expect((await cli("--tenant", "ledger", "--grace-seconds", "0")).usageRecounted).toBe(0);
  });

  it("leaves recent objects to their events, and reports keys outside the layout", async () => {
    await put("recent", "fresh.txt", "x", { lost: true });
    // Outside the key rules: its event is skipped, and the reconciler reports it.
    await put("recent", "tab\there", "x");
    const summary = await reconcile(deps, { tenant: tenant("recent"), graceSeconds: 60 });
    expect(summary).toMatchObject({ recent: 1, found: { missing: 0, invalidKeys: 1 } });
    expect(await indexKeys("recent")).toEqual([]);
  });

  it("reads and compares page by page", async () => {
    for (let i = 0; i < 7; i++) await put("paged", `f${i}.txt`, "x", { lost: i % 2 === 0 });
    await put("paged", "z-gone.txt", "x");
    await removeQuietly("paged", "z-gone.txt");
    const summary = await reconcile(deps, {
      tenant: tenant("paged"),
      graceSeconds: 0,
      pageSize: 2,
    });
    expect(summary).toMatchObject({
      objects: 7,
      indexed: 4,
      fixed: { added: 4, updated: 0, quarantined: 0, tombstoned: 1 },
    });
    expect(await indexKeys("paged")).toEqual(await bucketKeys("paged"));
  });

  it("stops between pages at its deadline and says so", async () => {
    const summary = await reconcile(deps, { deadline: Date.now() - 1, graceSeconds: 0 });
    expect(summary.complete).toBe(false);
    expect(summary.fixed).toEqual({ added: 0, updated: 0, quarantined: 0, tombstoned: 0 });
  });
});

describe("the reconciler's race safety", () => {
  /** Deps whose HeadObject of an object first lets something happen: an event landing mid-repair. */
  const racing = (during: Record<string, () => Promise<unknown>>): typeof deps => ({
    ...deps,
    describeObject: async (key) => {
      await during[key]?.();
      return deps.describeObject(key);
    },
  });

  it("does not undo a create event that lands while it adds a missing object", async () => {
    await put("race", "a.txt", "x", { lost: true });
    const event = created("race", "a.txt", "FFFFFF0001");
    const summary = await reconcile(
      racing({ "tenants/race/a.txt": () => ingestRecord(event, deps) }),
      { tenant: tenant("race"), graceSeconds: 0 },
    );
    expect(summary.repairs).toEqual([
      expect.objectContaining({ key: "a.txt", action: "skipped", reason: expect.any(String) }),
    ]);
    expect(await index.get(tenant("race"), fileKey("a.txt"))).toMatchObject({
      seq: normalizeSequencer("FFFFFF0001"),
      etag: "late",
    });
  });

  it("does not undo a delete or a re-upload that lands while it tombstones", async () => {
    await put("race", "b.txt", "x");
    await put("race", "c.txt", "x");
    await removeQuietly("race", "b.txt", "c.txt");
    const seqOf = async (key: string) =>
      BigInt(`0x${(await index.get(tenant("race"), fileKey(key)))?.seq}`);
    const next = async (key: string) => ((await seqOf(key)) + 1n).toString(16);
    const deleteB = {
      ...created("race", "b.txt", await next("b.txt")),
      eventName: "ObjectRemoved:Delete",
    };
    const recreateC = created("race", "c.txt", await next("c.txt"));
    const summary = await reconcile(
      racing({
        "tenants/race/b.txt": () => ingestRecord(deleteB, deps),
        "tenants/race/c.txt": () => ingestRecord(recreateC, deps),
      }),
      { tenant: tenant("race"), graceSeconds: 0 },
    );
    expect(summary.fixed.tombstoned).toBe(0);
    expect(await index.get(tenant("race"), fileKey("b.txt"))).toMatchObject({
      state: "deleted",
      seq: normalizeSequencer(deleteB.s3.object.sequencer),
    });
    // The re-upload's event won (its object is not in S3, so it is held as quarantined).
    expect(await index.get(tenant("race"), fileKey("c.txt"))).toMatchObject({
      state: "quarantined",
      seq: normalizeSequencer(recreateC.s3.object.sequencer),
    });
  });

  it("lets every later event apply over its repair", async () => {
    await put("late", "d.txt", "x", { lost: true });
    await reconcile(deps, { tenant: tenant("late"), graceSeconds: 0 });
    const repaired = await index.get(tenant("late"), fileKey("d.txt"));
    expect(repaired?.state).toBe("present");
    // The lost create event, delivered late after all, still applies (and so does a delete).
    const late = await ingestRecord(created("late", "d.txt", "0A"), deps);
    expect(late.outcome).toBe("applied");
    const removed = await ingestRecord(
      { ...created("late", "d.txt", "0B"), eventName: "ObjectRemoved:Delete" },
      deps,
    );
    expect(removed.outcome).toBe("applied");
  });

  it("leaves a file deleted through the API to its delete event", async () => {
    await put("api", "e.txt", "x");
    const auth = { Authorization: `Bearer ${await stack.token({ tenant: "api", sub: "alice" })}` };
    const grant = await fetch(`${stack.state.apiUrl}/files/e.txt`, {
      method: "DELETE",
      headers: { ...auth, Accept: "application/json" },
    });
    expect(grant.status).toBe(200);
    // The object goes, but its event has not arrived yet when the reconciler runs.
    await removeQuietly("api", "e.txt");
    const summary = await reconcile(deps, { tenant: tenant("api"), graceSeconds: 0 });
    expect(summary.repairs).toEqual([
      expect.objectContaining({
        found: "gone",
        action: "skipped",
        reason: expect.stringMatching(/API/),
      }),
    ]);
    expect((await index.get(tenant("api"), fileKey("e.txt")))?.state).toBe("present");
  });
});

describe("the scheduled reconciler function", () => {
  it("repairs, logs each repair and counts what it found and fixed", async () => {
    const { createReconciler } = await import("../packages/functions/src/jobs/reconcile");
    await put("cron", "lost.txt", "x", { lost: true });
    const metrics = new CapturedMetrics();
    const logs: Array<[string, unknown]> = [];
    const log = (message: string, fields?: unknown) => {
      logs.push([message, fields]);
    };
    const handler = createReconciler({
      reconcile: deps,
      checkpoint: checkpoint(),
      graceSeconds: 0,
      logger: { info: log, warn: log } as never,
      metrics,
    });
    const context = { getRemainingTimeInMillis: () => 900_000 } as never;
    const summary = await handler({ tenant: "cron" }, context);
    expect(summary).toMatchObject({ scope: "cron", fixed: { added: 1 }, complete: true });
    expect(logs).toContainEqual([
      "reconciler added",
      expect.objectContaining({ tenant: "cron", key: "lost.txt", found: "missing" }),
    ]);
    expect(metrics.total("ReconcileFound")).toBe(1);
    expect(metrics.total("ReconcileRepaired")).toBe(1);
    expect(metrics.total("ReconcileIncomplete")).toBe(0);
    await expect(handler({ tenant: "../acme" }, context)).rejects.toThrow(/Invalid tenant/);
    await expect(handler({ fromStart: "yes" }, context)).rejects.toThrow(/fromStart/);
  });

  it("goes on where an all-tenant run stopped at its deadline, over as many runs as it takes", async () => {
    const { createReconciler } = await import("../packages/functions/src/jobs/reconcile");
    const saved = checkpoint();
    await saved.clear();
    const context = { getRemainingTimeInMillis: () => 900_000 } as never;
    /** A run whose clock jumps past any deadline once it has compared `tenants` tenants. */
    const runFor = (tenants: number, event: unknown = {}) => {
      let compared = 0;
      const handler = createReconciler({
        reconcile: {
          ...deps,
          now: () => new Date(Date.now() + (compared >= tenants ? 3_600_000 : 0)),
          recount: async () => {
            compared++;
            return false;
          },
        },
        checkpoint: saved,
        graceSeconds: 0,
        logger: { info: () => {}, warn: () => {} } as never,
        metrics: new CapturedMetrics(),
      });
      return handler(event, context);
    };

    // Whatever the tests before left wrong is repaired first.
    await runFor(Number.POSITIVE_INFINITY, { fromStart: true });
    // The last tenant in order has a file whose event was lost.
    await put("zzz-last", "lost.txt", "x", { lost: true });
    const everyone = await runFor(Number.POSITIVE_INFINITY, { fromStart: true });
    expect(everyone).toMatchObject({ complete: true, fixed: { added: 1 } });
    expect(everyone.after).toBeUndefined();
    expect(await saved.get()).toBeUndefined();
    const total = everyone.tenants;
    expect(total).toBeGreaterThan(3);

    await put("zzz-last", "lost-again.txt", "x", { lost: true });
    const first = await runFor(1);
    expect(first).toMatchObject({ complete: false, tenants: 1, fixed: { added: 0 } });
    expect(first.resumeAfter).toEqual(expect.any(String));
    expect(await saved.get()).toBe(first.resumeAfter);

    const second = await runFor(2);
    expect(second).toMatchObject({ complete: false, tenants: 2, after: first.resumeAfter });
    expect(second.resumeAfter && first.resumeAfter && second.resumeAfter > first.resumeAfter).toBe(
      true,
    );
    // A run for one tenant leaves the checkpoint of the all-tenant runs alone.
    await runFor(Number.POSITIVE_INFINITY, { tenant: "cron" });
    expect(await saved.get()).toBe(second.resumeAfter);

    const rest = await runFor(Number.POSITIVE_INFINITY);
    expect(rest).toMatchObject({ complete: true, after: second.resumeAfter, fixed: { added: 1 } });
    expect(first.tenants + second.tenants + rest.tenants).toBe(total);
    expect(await saved.get()).toBeUndefined();
    expect(await indexKeys("zzz-last")).toEqual(["lost-again.txt", "lost.txt"]);
  });
});

describe("the local stack", () => {
  it("reconciles once when it starts, repairing what changed while it was down", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "filegate-restart-"));
    const first = await startStack({ dir: stateDir, args: ["--dynamodb", "dynalite"] });
    try {
      const auth = await first.auth("acme");
      const grant = await fetch(`${first.state.apiUrl}/files/kept.txt`, {
        method: "PUT",
        headers: { ...auth, Accept: "application/json" },
      });
      const { url } = (await grant.json()) as { url: string };
      expect((await fetch(url, { method: "PUT", body: new Blob(["x"]) })).status).toBe(200);
      await eventually(async () =>
        (await listKeys(first.state.apiUrl, auth)).length === 1 ? true : undefined,
      );
      // Gone without an event (a batch delete), and the stack stops before anyone notices.
      const bucket = s3ClientFor(first.state);
      await bucket.send(
        new DeleteObjectsCommand({
          Bucket: first.state.bucket,
          Delete: { Objects: [{ Key: "tenants/acme/kept.txt" }] },
        }),
      );
    } finally {
      await first.stop();
    }
    const second = await startStack({ dir: stateDir, args: ["--dynamodb", "dynalite"] });
    try {
      await eventually(async () => (second.output().includes("reconciled") ? true : undefined));
      expect(second.output()).toMatch(/found 0 missing, 0 outdated, 1 gone; fixed 1/);
      expect(await listKeys(second.state.apiUrl, await second.auth("acme"))).toEqual([]);
    } finally {
      await second.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
