/**
 * Measures the lag from upload to index on the local stack: uploads files one after another
 * (or N at a time) the way clients do — PUT /files/{key} for the presigned URL, then the PUT
 * to S3 — and times from S3's 200 until a strongly consistent read of the index finds the
 * file (looking every millisecond or so). Prints the median, percentiles and worst case. Not a test: numbers depend on the
 * machine.
 *
 *   npm run lag -- [--count 1000] [--concurrency 1] [--dynamodb dynalite|local]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { FileIndex } from "@filegate/core/files";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { startLocalStack } from "@filegate/local";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "1" },
    dynamodb: { type: "string", default: "dynalite" },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const engine = values.dynamodb;
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error("--count and --concurrency must be whole numbers from 1");
}
if (engine !== "dynalite" && engine !== "local") {
  throw new Error("--dynamodb must be dynalite or local");
}

const dir = await mkdtemp(join(tmpdir(), "filegate-lag-"));
const stack = await startLocalStack({
  dir,
  memory: true,
  port: 0,
  s3Port: 0,
  dynamodbPort: 0,
  consolePort: 0,
  dynamodb: engine,
  logLevel: "SILENT",
  log: () => {},
});
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: stack.state.dynamodb.endpoint,
    region: stack.state.region,
    credentials: stack.state.credentials,
  }),
);
const index = new FileIndex({ client: doc, tableName: stack.state.table, tombstoneTtlSeconds: 60 });
const tenant = "lag" as TenantId;
const auth = { Authorization: `Bearer ${await stack.token({ tenant, sub: "bench" })}` };

async function uploadAndWait(i: number): Promise<number> {
  const key = `lag/${String(i).padStart(5, "0")}.txt`;
  const grant = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  const { url, headers } = (await grant.json()) as { url: string; headers: Record<string, string> };
  const put = await fetch(url, { method: "PUT", headers, body: new Blob([`file ${i}`]) });
  if (put.status !== 200) throw new Error(`upload ${key} failed: ${put.status}`);
  const uploaded = performance.now();
  while (!(await index.getPresent(tenant, key as FileKey))) {
    if (performance.now() - uploaded > 30_000) throw new Error(`${key} not indexed in 30 s`);
    // A short pause: the emulators run in this process, and a busy loop would slow them.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - uploaded;
}

try {
  const lags: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) lags.push(await uploadAndWait(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  lags.sort((a, b) => a - b);
  const at = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? 0;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    [
      `upload-to-index lag on the local stack (${stack.state.dynamodb.engine}), ${count} uploads, ${concurrency} at a time, ${seconds.toFixed(1)} s`,
      `  median ${ms(at(0.5))}   p90 ${ms(at(0.9))}   p99 ${ms(at(0.99))}   worst ${ms(lags.at(-1) ?? 0)}   best ${ms(lags[0] ?? 0)}`,
    ].join("\n"),
  );
} finally {
  doc.destroy();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
