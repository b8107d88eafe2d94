/**
 * Write heat at scale: each scenario's traffic sampled through the real redirect handlers and
 * queue subscriber (against the DynamoDB and S3 emulators), every DynamoDB call billed per
 * partition key as DynamoDB bills it (bench/lib/capacity.ts), projected to the scenario's
 * rates, and priced. Writes bench/scale.json (one entry per scenario) and prints the hottest
 * keys and the cost of a million uploads per scenario.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  describeScenario,
  LINES,
  runScenario,
  SCENARIOS,
  type Scenario,
  type ScenarioResult,
} from "../lib/heat";
import { figure, type SuiteResult } from "../lib/report";
import { startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";
import { Traffic } from "../lib/traffic";

export const SCALE_FILE = join(import.meta.dirname, "../scale.json");

/** A scenario at a tenth of its sample (the quick run): the same rates, a coarser sample. */
const quick = (s: Scenario): Scenario => ({
  ...s,
  sampleUploads: Math.max(10, Math.round(s.sampleUploads / 10)),
});

export const run: Suite = async (options) => {
  const [dynamo, s3] = await Promise.all([startServer(options.dynamodb), startServer("s3")]);
  try {
    const traffic = await Traffic.start({ dynamodb: dynamo.endpoint, s3: s3.endpoint });
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS.map((s) => (options.quick ? quick(s) : s))) {
      progress("scale", `${scenario.name}: ${scenario.sampleUploads} uploads sampled`);
      const result = await runScenario(traffic, scenario);
      results.push(result);
      for (const line of describeScenario(result)) progress("scale", line);
    }
    await writeFile(SCALE_FILE, `${JSON.stringify(results.map(entry), null, 2)}\n`);
    return report(results, options.dynamodb, options.quick);
  } finally {
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
};

/** The entry of bench/scale.json. */
export function entry(result: ScenarioResult) {
  const { name, uploadsPerSecond, tenants, hottestKey } = result;
  return {
    name,
    uploadsPerSecond,
    tenants,
    hottestKey,
    hottestKeyWcuPerSecond: result.hottestKeyWcuPerSecond,
    hottestKeyRcuPerSecond: result.hottestKeyRcuPerSecond,
    usdPerMillionUploads: result.usdPerMillionUploads,
    hottestReadKey: result.hottestReadKey,
    usageItem: result.usageItem,
    perUpload: result.perUpload,
    costPerMillionUploads: result.costPerMillionUploads,
    topKeys: result.topKeys,
  };
}

function report(results: ScenarioResult[], dynamodb: string, quick: boolean): SuiteResult {
  const checks: Record<string, boolean> = {};
  for (const r of results) {
    const label = r.name.slice(0, r.name.indexOf(":"));
    checks[`scenario ${label}: no event failed`] = r.failedEvents === 0;
    checks[`scenario ${label}: no key above ${LINES.wcu} WCU/s`] =
      r.hottestKeyWcuPerSecond <= LINES.wcu;
    checks[`scenario ${label}: no key above ${LINES.rcu} RCU/s`] =
      r.hottestReadKey.rcuPerSecond <= LINES.rcu;
  }
  return {
    suite: "scale",
    title: `6. Write heat per partition key, projected from samples through the real handlers (${dynamodb})`,
    figures: results.flatMap((r) => {
      const id = `scale.${r.name.slice(0, 1)}`;
      return [
        figure(`${id}.wcu`, `${r.name}: hottest key, write units`, "WCU/s", [
          r.hottestKeyWcuPerSecond,
        ]),
        figure(`${id}.rcu`, `${r.name}: hottest read key, read units`, "RCU/s", [
          r.hottestReadKey.rcuPerSecond,
        ]),
        figure(`${id}.usd`, `${r.name}: a million uploads cost`, "USD", [r.usdPerMillionUploads]),
      ];
    }),
    ratios: [],
    // A quick run's sample is too small to project from: its figures prove the harness only.
    checks: quick
      ? Object.fromEntries(Object.entries(checks).filter(([n]) => n.includes("failed")))
      : checks,
    setup: {
      dynamodb,
      samples: results.map((r) => r.name.slice(0, 1)).join(","),
      output: "bench/scale.json",
    },
    notes: results.map(
      (r) =>
        `${r.name.slice(0, 1)}: hottest ${r.hottestKey} ${r.hottestKeyWcuPerSecond} WCU/s; ` +
        `reads ${r.hottestReadKey.key} ${r.hottestReadKey.rcuPerSecond.toFixed(1)} RCU/s; ` +
        `usage item ${r.usageItem.perEventWcuPerSecond} WCU/s per event, ${r.usageItem.oncePerBatchWcuPerSecond} per batch; ` +
        `$${r.usdPerMillionUploads.toFixed(2)} per million uploads`,
    ),
  };
}
