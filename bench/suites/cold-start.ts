/**
 * Cold start proxy: every handler bundled the way SST bundles it (esbuild, ESM, minified,
 * with SST's banner), its size, and the time a fresh `node` process takes to import it and
 * answer one event; each against a floor module that imports only the SDK pieces its job
 * needs (bench/cold/floor-*.ts) and answers the same event against the same emulators.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ROUTES } from "@filegate/functions/routes";
import { type Bundling, SUBSCRIBER } from "@filegate/functions/workers";
import { ensureTable } from "@filegate/local";
import { type Bundle, bundle, difference, heaviest, kb } from "../lib/bundle";
import { BENCH, handlerEnvironment } from "../lib/environment";
import { type HttpEvent, httpEvent, sqsBatch } from "../lib/events";
import { median, shuffled } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { batchWrite, presentFile, seedGrants } from "../lib/seed";
import { FIXED_OBJECT, startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";

const ROOT = resolve(import.meta.dirname, "../..");
const KEY = "docs/2026/Q4 report (final).pdf";
/** The tenant whose limits the operator's route sets. */
const OTHER_TENANT = "globex";
/** The object of the subscriber's events. */
const INGESTED = `tenants/${BENCH.tenant}/cold/ingested.pdf`;

interface Target {
  name: string;
  floor: string;
  event: () => unknown;
  /** The answer that proves the event was served, not failed fast. */
  answered: (result: RunResult) => boolean;
}

interface RunResult {
  bootMs: number;
  importMs: number;
  answerMs: number;
  totalMs: number;
  cpuMs: number;
  statusCode: number | null;
  failures: number | null;
}

let sequencer = BigInt(Date.now()) << 16n;
let hookTenants = 0;
const http = (event: HttpEvent) => () => event;
const status = (code: number) => (result: RunResult) => result.statusCode === code;

/** An event for an upload that does not exist (the routes answer 404 after their lookup). */
function uploadEvent(method: string, route: string, tail: string, body?: unknown) {
  const id = "u0123456789abcdef0123456789a";
  return httpEvent({
    method,
    route,
    path: `/uploads/${id}${tail}`,
    pathParameters: { id },
    ...(body === undefined ? {} : { body }),
  });
}

/** A route of one webhook endpoint, asked about an id the tenant does not have. */
function webhookTarget(
  name: string,
  method: string,
  tail: string,
  floor: string,
  body?: unknown,
): Record<string, Target> {
  const id = "wh_0123456789abcdef01234567";
  return {
    [name]: {
      name: `${method} /webhooks/{id}${tail}`,
      floor,
      event: http(
        httpEvent({
          method,
          route: `/webhooks/{id}${tail}`,
          path: `/webhooks/${id}${tail}`,
          pathParameters: { id },
          ...(body === undefined ? {} : { body }),
        }),
      ),
      answered: status(404),
    },
  };
}

/** One per handler module of the route table (and the subscriber), each with its floor. */
const TARGETS: Record<string, Target> = {
  "get-file": {
    name: "GET /files/{key+}",
    floor: "floor-presign",
    event: http(httpEvent({ method: "GET", route: "/files/{key+}", key: KEY })),
    answered: status(307),
  },
  "put-file": {
    name: "PUT /files/{key+}",
    floor: "floor-presign",
    event: http(
      httpEvent({
        method: "PUT",
        route: "/files/{key+}",
        key: KEY,
        headers: { "content-type": "application/pdf" },
      }),
    ),
    answered: status(307),
  },
  "delete-file": {
    name: "DELETE /files/{key+}",
    floor: "floor-presign",
    event: http(httpEvent({ method: "DELETE", route: "/files/{key+}", key: KEY })),
    answered: status(307),
  },
  "head-file": {
    name: "HEAD /files/{key+}",
    floor: "floor-lookup",
    event: http(httpEvent({ method: "HEAD", route: "/files/{key+}", key: KEY })),
    answered: status(200),
  },
  "list-files": {
    name: "GET /files",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/files" })),
    answered: status(200),
  },
  "no-route": {
    name: "405 (ANY)",
    floor: "floor-none",
    event: http(httpEvent({ method: "POST", route: "/{proxy+}" })),
    answered: status(405),
  },
  preflight: {
    name: "OPTIONS (CORS preflight)",
    floor: "floor-none",
    event: http(
      httpEvent({
        method: "OPTIONS",
        route: "/{proxy+}",
        headers: { origin: "https://app.example.com", "access-control-request-method": "PUT" },
      }),
    ),
    answered: status(204),
  },
  openapi: {
    name: "GET /openapi.json",
    floor: "floor-none",
    event: http(httpEvent({ method: "GET", route: "/openapi.json", path: "/openapi.json" })),
    answered: status(200),
  },
  "get-audit": {
    name: "GET /audit",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/audit", path: "/audit" })),
    answered: status(200),
  },
  "get-usage": {
    name: "GET /usage",
    floor: "floor-lookup",
    event: http(httpEvent({ method: "GET", route: "/usage", path: "/usage" })),
    answered: status(200),
  },
  "put-limits": {
    name: "PUT /tenants/{tenant}/limits",
    floor: "floor-lookup",
    event: http(
      httpEvent({
        method: "PUT",
        route: "/tenants/{tenant}/limits",
        // Another tenant's: a file quota on the tenant the other routes serve would change
        // their path (PUT /files looks the file up under one) from the round it first ran.
        path: `/tenants/${OTHER_TENANT}/limits`,
        pathParameters: { tenant: OTHER_TENANT },
        body: { maxObjects: 1_000_000 },
        scope: "tenants:admin",
      }),
    ),
    answered: status(200),
  },
  // The webhook routes: a listing, a creation, and each route of one endpoint asked about
  // an id the tenant does not have (404 after its read).
  "list-webhooks": {
    name: "GET /webhooks",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/webhooks", path: "/webhooks" })),
    answered: status(200),
  },
  "create-webhook": {
    name: "POST /webhooks",
    floor: "floor-lookup",
    // A tenant of its own each time: a tenant has at most 20 endpoints, and the subscriber's
    // tenant must have none (with endpoints, its events would queue messages).
    event: () =>
      httpEvent({
        method: "POST",
        route: "/webhooks",
        path: "/webhooks",
        tenant: `hooks-${++hookTenants}`,
        // A public address: no name to resolve, nothing private to refuse (nothing is sent).
        body: { url: "https://8.8.8.8/hooks" },
      }),
    // Its floor answers the read it makes in place of the write with 200.
    answered: (result) => result.statusCode === 201 || result.statusCode === 200,
  },
  ...webhookTarget("get-webhook", "GET", "", "floor-lookup"),
  ...webhookTarget("update-webhook", "PATCH", "", "floor-lookup", { enabled: false }),
  ...webhookTarget("delete-webhook", "DELETE", "", "floor-lookup"),
  ...webhookTarget("rotate-webhook-secret", "POST", "/rotate-secret", "floor-lookup"),
  ...webhookTarget("list-webhook-deliveries", "GET", "/deliveries", "floor-lookup"),
  ...webhookTarget("replay-webhook", "POST", "/replay", "floor-lookup", {
    from: new Date(Date.now() - 3_600_000).toISOString(),
  }),
  "create-upload": {
    name: "POST /uploads",
    floor: "floor-storage",
    event: http(
      httpEvent({
        method: "POST",
        route: "/uploads",
        path: "/uploads",
        body: { key: "cold/upload.bin", size: 1024, contentType: "application/octet-stream" },
      }),
    ),
    answered: status(201),
  },
  "get-upload": {
    name: "GET /uploads/{id}",
    // A pending multipart upload's parts come from S3 (ListParts): the S3 client's floor.
    floor: "floor-storage",
    event: http(uploadEvent("GET", "/uploads/{id}", "")),
    answered: status(404),
  },
  "abort-upload": {
    name: "DELETE /uploads/{id}",
    floor: "floor-storage",
    event: http(uploadEvent("DELETE", "/uploads/{id}", "")),
    answered: status(404),
  },
  "sign-parts": {
    name: "GET /uploads/{id}/parts",
    floor: "floor-storage",
    event: http(uploadEvent("GET", "/uploads/{id}/parts", "/parts")),
    answered: status(404),
  },
  "complete-upload": {
    name: "POST /uploads/{id}/complete",
    floor: "floor-storage",
    event: http(
      uploadEvent("POST", "/uploads/{id}/complete", "/complete", {
        parts: [{ partNumber: 1, etag: '"abc"' }],
      }),
    ),
    answered: status(404),
  },
  subscriber: {
    name: "queue subscriber",
    floor: "floor-ingest",
    event: () => {
      sequencer++;
      return sqsBatch([
        {
          // Not the file the routes read: an upload made with the write grant the seed
          // holds (the stand-in S3 names it), admitted; each event reports another size, so
          // that each moves the tenant's usage.
          objectKey: INGESTED,
          sequencer: sequencer.toString(16).toUpperCase(),
          size: FIXED_OBJECT.size + Number(sequencer % 2n),
          etag: FIXED_OBJECT.etag,
        },
      ]);
    },
    answered: (result) => result.failures === 0,
  },
};

export const run: Suite = async (options) => {
  const work = await mkdtemp(join(tmpdir(), "filegate-cold-"));
  const [dynamo, head] = await Promise.all([startServer(options.dynamodb), startServer("head")]);
  try {
    const environment = {
      ...handlerEnvironment({ dynamodb: dynamo.endpoint, s3: head.endpoint }),
      // Where the floor modules, like most plain Lambda functions, find their resources.
      TABLE_NAME: BENCH.table,
      BUCKET_NAME: BENCH.bucket,
    };
    await seed(dynamo.endpoint);

    progress("cold-start", "bundling handlers and floors");
    const handlerFiles = new Map<string, string>();
    // Each handler is built as its declaration says (the subscriber with code splitting), and
    // its floor the same way.
    const splitting = new Set<string>();
    for (const { handler, bundle } of [...ROUTES, SUBSCRIBER] as HandlerDeclaration[]) {
      const file = handler.replace(/\.[^./]+$/, ".ts");
      const name = file.replace(/^.*\//, "").replace(/\.ts$/, "");
      handlerFiles.set(name, join(ROOT, file));
      if (bundle?.splitting) splitting.add(name).add(TARGETS[name]?.floor ?? name);
    }
    const unmeasured = [...handlerFiles.keys()].filter((name) => !(name in TARGETS));
    const runner = await bundle(join(ROOT, "bench/cold/runner.ts"), work, "runner", {
      asSst: false,
    });
    const bundles = new Map<string, Bundle>();
    const build = (file: string, name: string) =>
      bundle(file, work, name, { splitting: splitting.has(name) });
    for (const [name, file] of handlerFiles) {
      if (name in TARGETS) bundles.set(name, await build(file, name));
    }
    for (const floor of new Set(Object.values(TARGETS).map((target) => target.floor))) {
      bundles.set(floor, await build(join(ROOT, `bench/cold/${floor}.ts`), floor));
    }

    const rounds = options.quick ? 2 : 21;
    progress("cold-start", `${rounds} cold starts of ${bundles.size} modules`);
    // Each handler's floor answers the handler's own event, so each has its own samples.
    const runs = new Map<string, RunResult[]>();
    const wrong = new Set<string>();
    let spawned = 0;
    for (let round = 0; round < rounds; round++) {
      const starts: Array<{ id: string; module: string; target: Target }> = [];
      for (const [name, target] of Object.entries(TARGETS)) {
        if (!bundles.has(name)) continue;
        starts.push(
          { id: name, module: name, target },
          { id: `${name}:floor`, module: target.floor, target },
        );
      }
      for (const { id, module, target } of shuffled(starts)) {
        const eventFile = join(work, `event-${spawned++}.json`);
        await writeFile(eventFile, JSON.stringify(target.event()));
        const file = bundles.get(module)?.file ?? "";
        const result = await coldStart(runner.file, file, eventFile, environment);
        if (!target.answered(result)) {
          wrong.add(module);
          if (process.env.FILEGATE_BENCH_DEBUG) {
            console.error(`${module} for ${target.name}: ${result.statusCode} ${result.failures}`);
          }
        }
        runs.set(id, [...(runs.get(id) ?? []), result]);
      }
    }

    const result: SuiteResult = {
      suite: "cold-start",
      title: "4. Cold start proxy (SST-style bundle; fresh node process: import + first answer)",
      figures: [],
      ratios: [],
      checks: {
        "every handler and floor answered its event correctly": wrong.size === 0,
        "every module the route table names is measured": unmeasured.length === 0,
      },
      setup: {
        rounds,
        bundler: "esbuild, ESM, minified, keepNames, SST banner",
        splitting: [...splitting].filter((name) => bundles.has(name)).join(", ") || "none",
        nodeBootMs: round1(median([...runs.values()].flat().map((r) => r.bootMs))),
      },
      notes: [
        ...[...wrong].map((module) => `${module} did not answer its event as expected`),
        ...unmeasured.map((name) => `${name} is not measured: no floor is defined for it`),
      ],
    };
    const measure = (id: string, module: string, label: string) => {
      const built = bundles.get(module) as Bundle;
      const times = (runs.get(id) ?? []).map((r) => r.importMs + r.answerMs);
      const bytes = figure(`cold.${id}.bytes`, `${label}: bundle`, "KB", [built.bytes / 1024]);
      const ms = figure(`cold.${id}.ms`, `${label}: import + first answer`, "ms", times);
      const cpu = figure(
        `cold.${id}.cpu`,
        `${label}: its CPU time`,
        "ms",
        (runs.get(id) ?? []).map((r) => r.cpuMs),
      );
      result.figures.push(bytes, ms, cpu);
      return { bytes, ms, cpu };
    };
    for (const [name, target] of Object.entries(TARGETS)) {
      if (!bundles.has(name)) continue;
      const own = measure(name, name, target.name);
      const floor = measure(
        `${name}:floor`,
        target.floor,
        `${target.name} floor (${target.floor})`,
      );
      // The 405 route needs no SDK: its floor is an empty module, and a ratio to it says
      // nothing about the SDK; it is reported, not held to the goal.
      const goal = target.floor === "floor-none" ? undefined : ({ op: "<=", value: 1.2 } as const);
      const floorBundle = bundles.get(target.floor) as Bundle;
      for (const [module, built] of [
        [target.name, bundles.get(name) as Bundle],
        [target.floor, floorBundle],
      ] as const) {
        const note = `${module}: code splitting, ${kb(built.bytes)} loaded at cold start of ${kb(built.allBytes)} in all`;
        if (built.allBytes > built.bytes && !result.notes.includes(note)) result.notes.push(note);
      }
      const floorNote = `${target.floor}: ${heaviest(floorBundle.packages)}`;
      if (!result.notes.includes(floorNote)) result.notes.push(floorNote);
      result.notes.push(
        `${target.name} adds to its floor: ${heaviest(difference((bundles.get(name) as Bundle).packages, floorBundle.packages))}`,
      );
      result.ratios.push(
        ratio(
          `cold.${name}.bytes/floor`,
          `${target.name}: bytes / floor`,
          own.bytes,
          floor.bytes,
          goal,
        ),
        // The time goal is held against CPU time: both modules wait alike for the emulators, so
        // on a quiet machine the wall-clock ratio is at most the CPU one, while on a shared
        // machine the wall clock mostly measures the neighbours. Both are reported.
        ratio(`cold.${name}.ms/floor`, `${target.name}: time / floor`, own.ms, floor.ms),
        ratio(
          `cold.${name}.cpu/floor`,
          `${target.name}: CPU time / floor`,
          own.cpu,
          floor.cpu,
          goal,
        ),
      );
    }
    return result;
  } finally {
    await Promise.all([dynamo.stop(), head.stop()]);
    await rm(work, { recursive: true, force: true });
  }
};

/**
 * The file every answer reads, a full first page for the listing, and the write grant of
 * the subscriber's upload.
 */
async function seed(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: BENCH.region,
    credentials: BENCH.credentials,
  });
  await ensureTable(client, BENCH.table);
  const items = [
    KEY,
    ...Array.from({ length: 150 }, (_, i) => `docs/${String(i).padStart(6, "0")}.pdf`),
  ];
  await batchWrite(
    client,
    BENCH.table,
    items.map((key) => presentFile(BENCH.tenant, key, "1")),
  );
  await seedGrants(client, BENCH.table, [INGESTED]);
  client.destroy();
}

/** A function of the route table, as far as its build goes. */
type HandlerDeclaration = { handler: string; bundle?: Bundling };

/** One fresh `node` process: import the bundle, answer the event, report. */
async function coldStart(
  runner: string,
  module: string,
  eventFile: string,
  environment: Record<string, string>,
): Promise<RunResult> {
  const resultFile = `${eventFile}.result`;
  const env: Record<string, string | undefined> = { ...process.env, ...environment };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [runner, module, eventFile, resultFile], {
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`cold start of ${module} exited with ${code}`);
  return JSON.parse(await readFile(resultFile, "utf8")) as RunResult;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
