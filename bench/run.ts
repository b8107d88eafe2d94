/**
 * `npm run bench`: what each redirect, listing page, event and cold start costs, each against
 * a floor measured in the same run, and the write heat per partition key at scale. Prints a
 * table and writes bench/results.json (and bench/scale.json beside it).
 *
 *   npm run bench                      the full run (a few minutes)
 *   npm run bench -- --quick           a smoke run: proves the harness, not the figures
 *   npm run bench -- --only redirect,cold-start
 *   npm run bench -- --dynamodb local  DynamoDB Local (Java) instead of dynalite
 *   npm run bench -- --out path.json
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatNumber, renderSuites, type SuiteResult } from "./lib/report";
import type { BenchOptions } from "./lib/suite";

const ROOT = resolve(import.meta.dirname, "..");

interface Job {
  suite: string;
  variant?: string;
  /** The DynamoDB emulator this job runs on, whatever `--dynamodb` says. */
  dynamodb?: BenchOptions["dynamodb"];
}

/**
 * Every suite, in the order they run; the ingestion suite runs once per S3 endpoint, and once
 * more on DynamoDB Local, whose transactions are what it writes with on AWS.
 */
export const JOBS: readonly Job[] = [
  { suite: "redirect" },
  { suite: "listing" },
  { suite: "ingest", variant: "fixed-head" },
  { suite: "ingest", variant: "s3-emulator" },
  { suite: "ingest", variant: "fixed-head-dynamodb-local", dynamodb: "dynamodb-local" },
  { suite: "cold-start" },
  { suite: "load" },
  { suite: "scale" },
  { suite: "webhooks" },
];

/** What bench/results.json holds. */
export interface BenchResults {
  version: 1;
  mode: "full" | "quick";
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  /** The machine's 1-minute load average before and after: other work skews every figure. */
  loadAverage: { start: number; end: number };
  options: BenchOptions;
  suites: SuiteResult[];
  failures: string[];
}

async function main(): Promise<void> {
  const { quick, out, dynamodb, jobs } = parseOptions();
  const options: BenchOptions = { quick, dynamodb, outDir: dirname(out) };
  const machine = describeMachine();
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  console.log(
    `Filegate benchmarks (${quick ? "quick smoke run" : "full run"}) on ${machine.cpu}, ` +
      `${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  );
  const { suites, failures } = await runJobs(jobs, options);
  const results: BenchResults = {
    version: 1,
    mode: quick ? "quick" : "full",
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    machine,
    loadAverage: { start: round2(loadAtStart), end: round2(loadavg()[0] ?? 0) },
    options,
    suites,
    failures,
  };
  const failedChecks = summarize(results, machine.cores, out);
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  if (failures.length > 0 || failedChecks.length > 0) {
    for (const line of [...failures, ...failedChecks]) console.error(`FAILED ${line}`);
    process.exitCode = 1;
  }
}

/** The command line: the mode, where results go, the DynamoDB emulator and the jobs to run. */
function parseOptions(): {
  quick: boolean;
  out: string;
  dynamodb: BenchOptions["dynamodb"];
  jobs: Job[];
} {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string", default: join(ROOT, "bench/results.json") },
      dynamodb: { type: "string", default: "dynalite" },
    },
  });
  const dynamodb = values.dynamodb === "local" ? "dynamodb-local" : values.dynamodb;
  if (dynamodb !== "dynalite" && dynamodb !== "dynamodb-local") {
    throw new Error(`--dynamodb must be dynalite or local (got ${values.dynamodb})`);
  }
  const only = values.only?.split(",").map((name) => name.trim());
  const jobs = JOBS.filter(
    (job) => (!only || only.includes(job.suite)) && (!job.dynamodb || job.dynamodb !== dynamodb),
  );
  if (jobs.length === 0) throw new Error(`--only names no suite (${JOBS.map((j) => j.suite)})`);
  return { quick: values.quick, out: values.out, dynamodb, jobs };
}

/** Runs the jobs one after another; a job that fails is noted and the next one runs. */
async function runJobs(
  jobs: readonly Job[],
  options: BenchOptions,
): Promise<{ suites: SuiteResult[]; failures: string[] }> {
  const work = await mkdtemp(join(tmpdir(), "filegate-bench-"));
  const suites: SuiteResult[] = [];
  const failures: string[] = [];
  try {
    for (const job of jobs) {
      const name = job.variant ? `${job.suite} (${job.variant})` : job.suite;
      const jobStarted = Date.now();
      console.log(`- ${name}`);
      try {
        const engine = job.dynamodb ?? options.dynamodb;
        suites.push(
          await runJob(job, { ...options, dynamodb: engine, variant: job.variant }, work),
        );
        console.log(`  done in ${formatNumber((Date.now() - jobStarted) / 1000)} s`);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
        console.error(`  FAILED: ${(error as Error).message}`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { suites, failures };
}

/**
 * Prints the table, the goals met and a note when the machine was busy; returns the checks
 * that failed.
 */
function summarize(results: BenchResults, cores: number, out: string): string[] {
  const { suites } = results;
  console.log(renderSuites(suites));
  const goals = suites.flatMap((suite) => suite.ratios).filter((r) => r.met !== undefined);
  const failedChecks = suites.flatMap((suite) =>
    Object.entries(suite.checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => `${suite.suite}: ${name}`),
  );
  console.log(
    `\nGoals met: ${goals.filter((r) => r.met).length} of ${goals.length}. ` +
      `Total time ${formatNumber(results.durationSeconds)} s. Results: ${out}`,
  );
  const busiest = Math.max(results.loadAverage.start, results.loadAverage.end);
  if (busiest > cores) {
    console.log(
      `Note: the machine was busy (load average ${busiest} on ${cores} cores); ` +
        "ratios hold up better than absolute figures, but rerun on a quiet machine to compare.",
    );
  }
  return failedChecks;
}

/** Runs one suite in a fresh process; its stdout (the handlers' logs) is discarded. */
async function runJob(job: Job, options: BenchOptions, work: string): Promise<SuiteResult> {
  const resultFile = join(work, `${job.suite}-${job.variant ?? "main"}.json`);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "bench/lib/child.ts"), job.suite, resultFile],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        FILEGATE_BENCH_OPTIONS: JSON.stringify(options),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    },
  );
  const [code, signal] = await once(child, "exit");
  if (code !== 0) throw new Error(`the suite exited with ${signal ?? code}`);
  return JSON.parse(await readFile(resultFile, "utf8")) as SuiteResult;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function describeMachine(): { cpu: string; cores: number } & Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()} ${process.arch}`,
    node: process.versions.node,
    v8: process.versions.v8,
  };
}

await main();
