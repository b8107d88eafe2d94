/**
 * The write-heat model: a scenario's traffic, sampled through the real handlers
 * ({@link Traffic}), projected to the scenario's rates, per partition key of the table and of
 * every index, and priced ({@link PRICES}).
 */
import { ALL_LOG_SHARDS, PENDING_SHARDS, TENANT_LOG_SHARDS } from "@filegate/core/table";
import { type CostBreakdown, costOf, scaleCost } from "./prices";
import { BATCH, type Traffic } from "./traffic";

/** Half of DynamoDB's per-partition-key limits: the line no key may cross. */
export const LINES = { wcu: 500, rcu: 1500 } as const;

export interface Scenario {
  name: string;
  uploadsPerSecond: number;
  downloadsPerSecond: number;
  deletesPerSecond: number;
  tenants: number;
  /**
   * How the sample is drawn: `spread`, one upload (and download) per tenant in turn;
   * `one-tenant`, every upload into one tenant, new keys; `hot-key`, one key uploaded and
   * deleted over and over.
   */
  pattern: "spread" | "one-tenant" | "hot-key";
  /** Uploads in the sample: the projection multiplies by `uploadsPerSecond / sampleUploads`. */
  sampleUploads: number;
}

/** The scenarios, at full size. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: "a: 10,000 uploads/s + 10,000 downloads/s over 1,000 tenants",
    uploadsPerSecond: 10_000,
    downloadsPerSecond: 10_000,
    deletesPerSecond: 0,
    tenants: 1000,
    pattern: "spread",
    sampleUploads: 1000,
  },
  {
    name: "b: 1,000 uploads/s into one tenant",
    uploadsPerSecond: 1000,
    downloadsPerSecond: 0,
    deletesPerSecond: 0,
    tenants: 1,
    pattern: "one-tenant",
    sampleUploads: 500,
  },
  {
    name: "c: 100 deletes/s of one hot key (and as many uploads of it)",
    uploadsPerSecond: 100,
    downloadsPerSecond: 0,
    deletesPerSecond: 100,
    tenants: 1,
    pattern: "hot-key",
    sampleUploads: 100,
  },
];

export interface KeyRate {
  key: string;
  wcuPerSecond: number;
  rcuPerSecond: number;
}

export interface ScenarioResult {
  name: string;
  uploadsPerSecond: number;
  tenants: number;
  hottestKey: string;
  hottestKeyWcuPerSecond: number;
  hottestKeyRcuPerSecond: number;
  usdPerMillionUploads: number;
  /** The hottest keys by write units (then read units). */
  topKeys: KeyRate[];
  /** The hottest key by read units. */
  hottestReadKey: KeyRate;
  /** Cost of a million uploads (with the scenario's downloads and deletes), by line. */
  costPerMillionUploads: CostBreakdown;
  /** The tenant's usage item: write units/s as updated per event, and if once per batch. */
  usageItem: { perEventWcuPerSecond: number; oncePerBatchWcuPerSecond: number };
  /** DynamoDB calls and units per upload of the sample (traffic of every kind included). */
  perUpload: { calls: number; wcu: number; rcu: number };
  failedEvents: number;
}

/** Runs `scenario`'s sample through `traffic` and projects it to the scenario's rates. */
export async function runScenario(traffic: Traffic, scenario: Scenario): Promise<ScenarioResult> {
  traffic.reset();
  const tag = scenario.pattern;
  if (scenario.pattern === "spread") {
    const perUpload = scenario.downloadsPerSecond / scenario.uploadsPerSecond;
    for (let round = 0; round * BATCH < scenario.sampleUploads; round++) {
      const keys = Array.from({ length: BATCH }, (_, i) => round * BATCH + i)
        .filter((n) => n < scenario.sampleUploads)
        .map((n) => ({ tenant: tenantName(tag, n % scenario.tenants), key: `scale/${n}.pdf` }));
      for (const { tenant, key } of keys) await traffic.upload(tenant, key);
      await traffic.flush();
      for (const { tenant, key } of keys.slice(0, Math.round(keys.length * perUpload))) {
        await traffic.download(tenant, key);
      }
    }
  } else if (scenario.pattern === "one-tenant") {
    for (let n = 0; n < scenario.sampleUploads; n++) {
      await traffic.upload(tenantName(tag, 0), `scale/${n}.pdf`);
    }
    await traffic.flush();
  } else {
    // Each round ends with an upload, so the index shows the key present when the next
    // round's deletes ask: as under load, where the index trails S3 by a batch or so.
    const tenant = tenantName(tag, 0);
    await traffic.upload(tenant, HOT_KEY);
    await traffic.flush();
    traffic.reset();
    for (let n = 0; n < scenario.sampleUploads; n++) {
      await traffic.delete(tenant, HOT_KEY);
      await traffic.upload(tenant, HOT_KEY);
      if ((n + 1) % (BATCH / 2) === 0) await traffic.flush();
    }
    await traffic.flush();
  }
  return project(traffic, scenario);
}

const HOT_KEY = "scale/hot.pdf";
const tenantName = (tag: string, n: number) => `${tag}-${String(n).padStart(4, "0")}`;

/** Per-key units/s and cost of the sample in `traffic`, at the scenario's rates. */
export function project(traffic: Traffic, scenario: Scenario): ScenarioResult {
  const scale = scenario.uploadsPerSecond / scenario.sampleUploads;
  const rates = keyRates(traffic.meter.keys, scale);
  const byWrites = [...rates].sort(
    (a, b) => b.wcuPerSecond - a.wcuPerSecond || b.rcuPerSecond - a.rcuPerSecond,
  );
  const byReads = [...rates].sort((a, b) => b.rcuPerSecond - a.rcuPerSecond);
  const hottest = byWrites[0] ?? { key: "-", wcuPerSecond: 0, rcuPerSecond: 0 };
  const cost = scaleCost(costOf(traffic.usage()), 1e6 / scenario.sampleUploads);
  const units = traffic.meter.totals();
  const usage = [...traffic.meter.items].filter(([id]) => id.endsWith("|USAGE"));
  const usageWrites = usage.reduce((sum, [, u]) => sum + u.writes, 0);
  const usageWcuPerWrite = usageWrites
    ? usage.reduce((sum, [, u]) => sum + u.wcu, 0) / usageWrites
    : 0;
  const eventsPerSecondPerTenant =
    (scenario.uploadsPerSecond + scenario.deletesPerSecond) / scenario.tenants;
  return {
    name: scenario.name,
    uploadsPerSecond: scenario.uploadsPerSecond,
    tenants: scenario.tenants,
    hottestKey: hottest.key,
    hottestKeyWcuPerSecond: round(hottest.wcuPerSecond),
    hottestKeyRcuPerSecond: round(hottest.rcuPerSecond),
    usdPerMillionUploads: round(cost.total),
    topKeys: byWrites.slice(0, 8),
    hottestReadKey: byReads[0] ?? hottest,
    costPerMillionUploads: cost,
    usageItem: {
      perEventWcuPerSecond: round(usageWcuPerWrite * eventsPerSecondPerTenant),
      // A batch of events of one tenant: one update of its usage per batch at most.
      oncePerBatchWcuPerSecond: round(
        usageWcuPerWrite *
          Math.min(
            eventsPerSecondPerTenant,
            (scenario.uploadsPerSecond + scenario.deletesPerSecond) / BATCH,
          ),
      ),
    },
    perUpload: {
      calls: traffic.meter.calls.length / scenario.sampleUploads,
      wcu: units.wcu / scenario.sampleUploads,
      rcu: units.rcu / scenario.sampleUploads,
    },
    failedEvents: traffic.failed,
  };
}

/**
 * Hash shards of the audit and pending indexes (ids are random or digests, every record
 * picks its shard anew) are projected at their class's mean: at thousands of records per
 * second a shard's share is within a few per cent of it, whereas a sample of a few thousand
 * records would scatter by a third. Every other key is projected as sampled.
 */
export function keyRates(
  keys: ReadonlyMap<string, { wcu: number; rcu: number }>,
  scale: number,
): KeyRate[] {
  const classes = new Map<string, { shards: number; wcu: number; rcu: number }>();
  const rates: KeyRate[] = [];
  for (const [key, units] of keys) {
    const shard = shardClass(key);
    if (!shard) {
      rates.push({ key, wcuPerSecond: units.wcu * scale, rcuPerSecond: units.rcu * scale });
      continue;
    }
    const entry = classes.get(shard.name) ?? { shards: shard.shards, wcu: 0, rcu: 0 };
    entry.wcu += units.wcu;
    entry.rcu += units.rcu;
    classes.set(shard.name, entry);
  }
  for (const [name, { shards, wcu, rcu }] of classes) {
    rates.push({
      key: name,
      wcuPerSecond: (wcu * scale) / shards,
      rcuPerSecond: (rcu * scale) / shards,
    });
  }
  return rates;
}

function shardClass(key: string): { name: string; shards: number } | undefined {
  const [index, partition = ""] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  const base = partition.replace(/#\d+$/, "#*");
  if (index === "allLog")
    return { name: `allLog:${base} (each of ${ALL_LOG_SHARDS})`, shards: ALL_LOG_SHARDS };
  if (index === "tenantLog")
    return { name: `tenantLog:${base} (each of ${TENANT_LOG_SHARDS})`, shards: TENANT_LOG_SHARDS };
  if (index === "pending")
    return { name: `pending:${base} (each of ${PENDING_SHARDS})`, shards: PENDING_SHARDS };
  return undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Lines for the console: the top keys and the cost breakdown of a scenario. */
export function describeScenario(result: ScenarioResult): string[] {
  const over = (k: KeyRate) =>
    k.wcuPerSecond > LINES.wcu || k.rcuPerSecond > LINES.rcu ? "  OVER" : "";
  const lines = [`${result.name}`];
  for (const k of result.topKeys) {
    lines.push(
      `  ${fmt(k.wcuPerSecond).padStart(9)} WCU/s ${fmt(k.rcuPerSecond).padStart(9)} RCU/s  ${k.key}${over(k)}`,
    );
  }
  const r = result.hottestReadKey;
  lines.push(`  hottest read key: ${r.key} at ${fmt(r.rcuPerSecond)} RCU/s${over(r)}`);
  lines.push(
    `  usage item: ${fmt(result.usageItem.perEventWcuPerSecond)} WCU/s updated per event, ` +
      `${fmt(result.usageItem.oncePerBatchWcuPerSecond)} once per batch of ${BATCH}`,
  );
  lines.push(
    `  per upload: ${fmt(result.perUpload.calls)} DynamoDB calls, ${fmt(result.perUpload.wcu)} WCU, ${fmt(result.perUpload.rcu)} RCU`,
  );
  const cost = Object.entries(result.costPerMillionUploads)
    .filter(([line]) => line !== "total")
    .map(([line, usd]) => `${line} $${usd.toFixed(2)}`)
    .join(", ");
  lines.push(`  $ per million uploads: ${result.usdPerMillionUploads.toFixed(2)} (${cost})`);
  return lines;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toLocaleString("en-US");
