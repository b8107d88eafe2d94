/**
 * A cold start, as near as one process gets to it: `node runner.mjs <bundle> <event.json> <result.json>`
 * imports the bundle, answers one event, writes the timings as JSON and exits (stdout is the
 * handler's, for its logs). Bundled by the
 * cold-start suite, so that nothing but Node itself runs before the import.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [bundle = "", eventFile = "", resultFile = ""] = process.argv.slice(2);
const event: unknown = JSON.parse(readFileSync(eventFile, "utf8"));
const context = {
  functionName: "cold-start",
  awsRequestId: "cold-start-request",
  getRemainingTimeInMillis: () => 10_000,
};
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const module = (await import(pathToFileURL(bundle).href)) as {
  handler(event: unknown, context: unknown): Promise<Record<string, unknown>>;
};
const imported = performance.now();
const answer = await module.handler(event, context);
const answered = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
writeFileSync(
  resultFile,
  JSON.stringify({
    // Milliseconds since the process started (performance.timeOrigin).
    bootMs: started,
    importMs: imported - started,
    answerMs: answered - imported,
    totalMs: answered,
    // CPU time (user + system) of the import and the answer: what a busy machine leaves alone.
    cpuMs: (cpu.user + cpu.system) / 1000,
    statusCode: answer?.statusCode ?? null,
    failures: Array.isArray(answer?.batchItemFailures) ? answer.batchItemFailures.length : null,
  }),
);
process.exit(0);
