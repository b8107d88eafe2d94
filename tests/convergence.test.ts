import { TenantAccounts } from "@filegate/core/accounts";
import { AuditLog, parseAuditQuery } from "@filegate/core/audit";
import {
  EventCommitter,
  type IngestDeps,
  ingestRecord,
  type S3EventRecord,
} from "@filegate/core/events";
import { FileIndex } from "@filegate/core/files";
import { normalizeSequencer } from "@filegate/core/table";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { UploadIntents } from "@filegate/core/uploads";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Record } from "./helpers/events";
import { startTestTable } from "./helpers/table";

/**
 * Convergence of the index, as properties over random histories. A history is a run of
 * creates, overwrites and deletes of a few keys, each with a sequencer larger than the one
 * before; S3 then delivers it the way it may: every event one to three times, in any order,
 * split into batches whose records are applied concurrently (as a Lambda's batch and
 * concurrent Lambdas are). Whatever the delivery, the index must end in the state of the
 * highest sequencer per key, each event must be journaled once, and delivering everything
 * again must change nothing. Runs against dynalite over HTTP, through the real repositories.
 *
 * A fixed seed keeps `npm test` repeatable; a second run draws a new seed each time and
 * names it when it fails: reproduce with FILEGATE_PROPERTY_SEED=<seed> npm test.
 */
const BUCKET = "bucket";
/** Keys with characters S3 encodes in event records. */
const KEYS = ["a.txt", "dir/b c+d%.txt", "ünï/日本.bin"] as const;
/** Few distinct times, so that equal timestamps are common and say nothing of the order. */
const TIMES = ["2026-11-20T10:00:00.000Z", "2026-11-20T10:00:00.000Z", "2026-11-20T09:59:59.000Z"];
const FIXED_SEED = 20261125;
const RUNS = Number(process.env.FILEGATE_PROPERTY_RUNS ?? 30);

let table: Awaited<ReturnType<typeof startTestTable>>;
let index: FileIndex;
let audit: AuditLog;
let deps: IngestDeps;
let run = 0;
/** Per tenant (one per run): the newest event of each key, which is what S3 holds. */
const s3State = new Map<string, Map<number, Event>>();

beforeAll(async () => {
  table = await startTestTable();
  index = new FileIndex({ client: table.doc, tableName: table.tableName, tombstoneTtlSeconds: 60 });
  audit = new AuditLog({ client: table.doc, tableName: table.tableName, retentionSeconds: 60 });
  const defaults = {
    maxObjectBytes: 1e12,
    maxBytes: null,
    maxObjects: null,
    allowedContentTypes: ["*/*"],
  };
  const accounts = new TenantAccounts({ client: table.doc, tableName: table.tableName, defaults });
  deps = {
    commits: new EventCommitter({
      client: table.doc,
      tableName: table.tableName,
      journal: audit,
      accounts,
      tombstoneTtlSeconds: 60,
    }),
    audit,
    accounts,
    intents: new UploadIntents({
      client: table.doc,
      tableName: table.tableName,
      retentionSeconds: 60,
    }),
    // Verification is not under test here: whatever S3 holds is admitted.
    verify: async () => ({ admitted: true }),
    bucket: BUCKET,
    // S3 as it is once the whole history has happened: each key holds its newest create.
    describeObject: async (objectKey) => {
      const [, tenant, ...rest] = objectKey.split("/");
      const newest = s3State
        .get(tenant ?? "")
        ?.get(KEYS.indexOf(rest.join("/") as (typeof KEYS)[number]));
      if (newest?.step.kind !== "create") return undefined;
      return { contentType: "application/octet-stream", etag: `"etag-${newest.id}"`, metadata: {} };
    },
  };
});
afterAll(async () => {
  await table?.stop();
});

interface Step {
  key: number;
  kind: "create" | "delete";
  size: number;
}

interface Event {
  /** Position in the history: the event's identity. */
  id: number;
  step: Step;
  sequencer: bigint;
  /** The sequencer as S3 might write it: any case, any number of leading zeros. */
  text: string;
  time: string;
}

const step: fc.Arbitrary<Step> = fc.record({
  key: fc.nat({ max: KEYS.length - 1 }),
  kind: fc.constantFrom("create", "create", "delete"),
  size: fc.nat({ max: 1_000_000 }),
});

/** A history with its sequencers: from around a hex length boundary or anywhere, small gaps. */
const history = fc
  .record({
    steps: fc.array(step, { minLength: 1, maxLength: 12 }),
    start: fc.oneof(
      fc.constantFrom(0xfen, 0xffen, 0xfffffffffffffffen),
      fc.bigInt({ min: 1n, max: 1n << 80n }),
    ),
    gaps: fc.array(fc.bigInt({ min: 1n, max: 300n }), { minLength: 12, maxLength: 12 }),
    zeros: fc.array(fc.nat({ max: 4 }), { minLength: 12, maxLength: 12 }),
    lower: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    times: fc.array(fc.constantFrom(...TIMES), { minLength: 12, maxLength: 12 }),
  })
  .map(({ steps, start, gaps, zeros, lower, times }): Event[] => {
    let sequencer = start;
    return steps.map((s, i) => {
      sequencer += gaps[i] ?? 1n;
      const hex = "0".repeat(zeros[i] ?? 0) + sequencer.toString(16).toUpperCase();
      return {
        id: i,
        step: s,
        sequencer,
        text: lower[i] ? hex.toLowerCase() : hex,
        time: times[i] ?? "2026-11-20T10:00:00.000Z",
      };
    });
  });

/** The delivery: each event one to three times, shuffled, in batches, some batches in parallel. */
const scenario = history.chain((events) =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), {
      minLength: events.length,
      maxLength: events.length,
    })
    .chain((copies) => {
      const deliveries = events.flatMap((event, i) =>
        Array.from({ length: copies[i] ?? 1 }, () => event),
      );
      return fc.record({
        events: fc.constant(events),
        deliveries: fc.shuffledSubarray(deliveries, {
          minLength: deliveries.length,
          maxLength: deliveries.length,
        }),
        batchSizes: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 30 }),
        parallel: fc.boolean(),
      });
    }),
);

function record(tenant: string, event: Event): S3EventRecord {
  const create = event.step.kind === "create";
  return s3Record({
    bucket: BUCKET,
    objectKey: `tenants/${tenant}/${KEYS[event.step.key]}`,
    sequencer: event.text,
    eventName: create ? "ObjectCreated:Put" : "ObjectRemoved:Delete",
    eventTime: event.time,
    ...(create ? { size: event.step.size, eTag: `"etag-${event.id}"` } : {}),
  });
}

function batches<T>(items: T[], sizes: number[]): T[][] {
  const result: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    result.push(items.slice(at, at + size));
    at += size;
  }
  return result;
}

/** Applies batches in order (or two at a time), the records of a batch concurrently. */
async function deliver(tenant: string, events: Event[], sizes: number[], parallel: boolean) {
  const outcomes: string[] = [];
  const apply = (batch: Event[]) =>
    Promise.all(
      batch.map(async (event) => {
        outcomes.push((await ingestRecord(record(tenant, event), deps)).outcome);
      }),
    );
  const all = batches(events, sizes);
  for (let i = 0; i < all.length; i += parallel ? 2 : 1) {
    await Promise.all(all.slice(i, i + (parallel ? 2 : 1)).map(apply));
  }
  return outcomes;
}

/** The state each key must end in: that of its highest sequencer. */
function expected(events: Event[]) {
  const newest = new Map<number, Event>();
  for (const event of events) {
    const current = newest.get(event.step.key);
    if (!current || event.sequencer > current.sequencer) newest.set(event.step.key, event);
  }
  return newest;
}

async function snapshot(tenant: string) {
  const items = await Promise.all(KEYS.map((key) => index.get(tenant as TenantId, key as FileKey)));
  const listed = (await index.list(tenant as TenantId, { limit: 1000 })).items.map((f) => f.key);
  const journal = await Promise.all(
    KEYS.map(
      async (key) =>
        (await audit.query(parseAuditQuery({ key, limit: "1000" }, { tenant, scopes: new Set() })))
          .items,
    ),
  );
  return { items, listed, journal };
}

async function converges({
  events,
  deliveries,
  batchSizes,
  parallel,
}: {
  events: Event[];
  deliveries: Event[];
  batchSizes: number[];
  parallel: boolean;
}): Promise<void> {
  const tenant = `p${++run}`;
  const newest = expected(events);
  s3State.set(tenant, newest);
  await deliver(tenant, deliveries, batchSizes, parallel);
  const first = await snapshot(tenant);

  KEYS.forEach((key, k) => {
    const want = newest.get(k);
    const item = first.items[k];
    if (!want) {
      expect(item, key).toBeUndefined();
      return;
    }
    expect(item?.seq, key).toBe(normalizeSequencer(want.sequencer.toString(16)));
    if (want.step.kind === "create") {
      expect(item, key).toMatchObject({
        state: "present",
        size: want.step.size,
        etag: `etag-${want.id}`,
      });
    } else {
      expect(item?.state, key).toBe("deleted");
      expect(item?.gsi1pk, key).toBeUndefined();
    }
    // Each distinct event is journaled exactly once, and the winner is never marked stale.
    const distinct = events.filter((event) => event.step.key === k);
    expect(first.journal[k]?.length, key).toBe(distinct.length);
    const winner = first.journal[k]?.find(
      (r) => r.sequencer !== undefined && BigInt(`0x${r.sequencer}`) === want.sequencer,
    );
    expect(winner?.stale, key).toBe(false);
  });
  expect(first.listed.sort()).toEqual(
    KEYS.filter((_, k) => newest.get(k)?.step.kind === "create").sort(),
  );

  // Replaying everything, in reverse, changes nothing at all.
  const again = await deliver(tenant, [...events].reverse(), [4], false);
  expect(again.every((outcome) => outcome === "duplicate" || outcome === "stale")).toBe(true);
  expect(await snapshot(tenant)).toEqual(first);
}

function check(seed: number) {
  return fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      await converges(s);
    }),
    { seed, numRuns: RUNS },
  );
}

describe("the index converges to the newest event per key", () => {
  it("for duplicated, reordered, batched deliveries (fixed seed)", async () => {
    await check(FIXED_SEED);
  });

  it("for duplicated, reordered, batched deliveries (random seed, printed on failure)", async () => {
    const seed = Number(process.env.FILEGATE_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    try {
      await check(seed);
    } catch (error) {
      throw new Error(
        `convergence property failed with seed ${seed}; reproduce with FILEGATE_PROPERTY_SEED=${seed} npm test\n${(error as Error).message}`,
        { cause: error },
      );
    }
  });

  it("compares sequencers of any length and case as numbers", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 176n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 176n) - 1n }),
        fc.nat({ max: 3 }),
        fc.nat({ max: 3 }),
        (a, b, za, zb) => {
          const text = (n: bigint, zeros: number) => "0".repeat(zeros) + n.toString(16);
          const [x, y] = [normalizeSequencer(text(a, za)), normalizeSequencer(text(b, zb))];
          expect(x < y).toBe(a < b);
          expect(x === y).toBe(a === b);
        },
      ),
      { seed: FIXED_SEED },
    );
  });
});
