import { ALL_LOG_SHARDS, TENANT_LOG_SHARDS } from "@filegate/core/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyRates, runScenario, SCENARIOS, type Scenario } from "../bench/lib/heat";
import { PRICES } from "../bench/lib/prices";
import { type RunningServer, startServer } from "../bench/lib/servers";
import { Traffic } from "../bench/lib/traffic";
import { entry } from "../bench/suites/scale";

// The write-heat model of `npm run bench -- --only scale`, each scenario at a small size:
// the real handlers against the emulators, every DynamoDB call billed by the meter. The
// figures are not asserted (a sample this small projects coarsely); what the harness counts
// is: the meter against the emulator's own account of each call, the index writes against
// what an upload writes, the projection and the prices against the counts.

let servers: RunningServer[] = [];
let traffic: Traffic;

beforeAll(async () => {
  // The handlers' logs and metrics would drown the test's output.
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  servers = await Promise.all([startServer("dynalite"), startServer("s3")]);
  const [dynamodb, s3] = servers as [RunningServer, RunningServer];
  traffic = await Traffic.start(
    { dynamodb: dynamodb.endpoint, s3: s3.endpoint },
    { crossCheck: true },
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

const small = (index: number, overrides: Partial<Scenario>): Scenario => ({
  ...(SCENARIOS[index] as Scenario),
  ...overrides,
});

/** Units per label of index writes, over the whole sample. */
const writesTo = (index: string) =>
  [...traffic.meter.keys]
    .filter(([label]) => label.startsWith(`${index}:`))
    .reduce((sum, [, units]) => sum + units.writes, 0);

describe("the write-heat model, at a small size", () => {
  it("b: bills each upload's calls as the emulator does, and the index writes it makes", async () => {
    const result = await runScenario(traffic, small(1, { sampleUploads: 20 }));
    expect(result.failedEvents).toBe(0);
    // Every call the handlers sent was counted, and where the emulator reports what a call
    // consumed on the table (or on the queried index), the meter counted the same.
    const checked = traffic.meter.calls.filter((call) => call.reported !== undefined);
    expect(checked).toHaveLength(traffic.meter.calls.length);
    expect(new Set(checked.map((call) => call.operation))).toEqual(
      new Set(["Query", "PutItem", "BatchGetItem", "TransactWriteItems"]),
    );
    for (const call of checked) {
      const own = [...call.units]
        .filter(([label]) => !/^(tenantLog|allLog|pending):/.test(label))
        .filter(([label]) => call.operation === "Query" || label.startsWith("table:"))
        .reduce((sum, [, units]) => sum + units.wcu + units.rcu, 0);
      // dynalite bills a Query that read nothing at 0; DynamoDB at its minimum, 0.5 or 1.
      if (call.operation === "Query" && call.reported === 0) expect([0.5, 1]).toContain(own);
      else expect(own, call.operation).toBe(call.reported);
    }
    // An upload enters the listing once and writes two audit records (its grant, its event),
    // each one write to each time index.
    expect(writesTo("files")).toBe(20);
    expect(writesTo("tenantLog")).toBe(40);
    expect(writesTo("allLog")).toBe(40);
    // One API request, one S3 PUT and one HeadObject per upload; one SQS send per event and
    // a receive and a delete per batch of 10.
    const cost = result.costPerMillionUploads;
    expect(cost["API Gateway"]).toBeCloseTo(1e6 * PRICES.apiRequest, 6);
    expect(cost["S3 requests"]).toBeCloseTo(1e6 * (PRICES.s3Put + PRICES.s3Get), 6);
    expect(cost.SQS).toBeCloseTo(1e6 * 1.2 * PRICES.sqsRequest, 6);
    const lines = Object.entries(cost).filter(([line]) => line !== "total");
    expect(cost.total).toBeCloseTo(
      lines.reduce((sum, [, usd]) => sum + usd, 0),
      9,
    );
    expect(result.usdPerMillionUploads).toBeCloseTo(cost.total, 2);
  }, 120_000);

  it("a: projects every key at the scenario's rate, audit shards at their mean", async () => {
    const scenario = small(0, { tenants: 10, sampleUploads: 20 });
    const result = await runScenario(traffic, scenario);
    expect(result.failedEvents).toBe(0);
    const scale = scenario.uploadsPerSecond / scenario.sampleUploads;
    const rates = keyRates(traffic.meter.keys, scale);
    const totals = traffic.meter.totals();
    // The projection loses no unit: per-key rates (shard classes times their shard count)
    // add up to the sample's units at the scenario's rate.
    const projected = rates.reduce((sum, rate) => {
      const shards = rate.key.startsWith("allLog:")
        ? ALL_LOG_SHARDS
        : rate.key.startsWith("tenantLog:")
          ? TENANT_LOG_SHARDS
          : 1;
      return sum + rate.wcuPerSecond * shards;
    }, 0);
    expect(projected).toBeCloseTo(totals.wcu * scale, 6);
    // Uploads and downloads of 10 tenants: each download is one more grant record.
    expect(writesTo("allLog")).toBe(60);
    const hottest = rates.reduce((a, b) => (b.wcuPerSecond > a.wcuPerSecond ? b : a));
    expect(result.hottestKey).toBe(hottest.key);
    expect(result.hottestKeyWcuPerSecond).toBeCloseTo(hottest.wcuPerSecond, 1);
    expect(Object.keys(entry(result))).toEqual(
      expect.arrayContaining([
        "name",
        "uploadsPerSecond",
        "tenants",
        "hottestKey",
        "hottestKeyWcuPerSecond",
        "hottestKeyRcuPerSecond",
        "usdPerMillionUploads",
      ]),
    );
  }, 120_000);

  it("c: a key deleted and uploaded over and over spreads over its state, grants and events", async () => {
    const result = await runScenario(traffic, small(2, { sampleUploads: 10 }));
    expect(result.failedEvents).toBe(0);
    const writes = (key: string) =>
      traffic.meter.keys.get(`table:${key}#hot-key-0000#scale/hot.pdf`)?.writes;
    // Each cycle: the state item written by both events, two grants (PUT, DELETE) and two
    // event records, each in a partition of its own.
    expect(writes("FILE")).toBe(20);
    expect(writes("GRANTS")).toBe(20);
    expect(writes("EVENTS")).toBe(20);
  }, 120_000);
});
