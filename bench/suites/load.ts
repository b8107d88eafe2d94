/**
 * The local stack under load: requests per second and latency of GET redirects through the
 * local API (token check, the real GET handler, the DynamoDB emulator), with autocannon,
 * against a bare Node HTTP server answering a fixed 307 on the same machine. Reported, not
 * held to a goal: the local stack is a development tool.
 */
import autocannon from "autocannon";
import { eventually, startStack } from "../../tests/helpers/stack";
import { BENCH } from "../lib/environment";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";

type Side = "stack" | "bare";

const KEY = "docs/load/report.pdf";
const CONNECTIONS = 10;

export const run: Suite = async (options) => {
  const engine = options.dynamodb === "dynamodb-local" ? "local" : "dynalite";
  const [stack, bare] = await Promise.all([
    startStack({ args: ["--memory", "--dynamodb", engine] }),
    startServer("redirect"),
  ]);
  try {
    const { url, auth } = await uploadFile(stack);
    const seconds = options.quick ? 1 : 5;
    const rounds = options.quick ? 1 : 3;
    progress(
      "load",
      `${rounds} × ${seconds} s of GET redirects on each, ${CONNECTIONS} connections`,
    );
    const results = await loadBoth(url, `${bare.endpoint}/files/${KEY}`, auth, rounds, seconds);
    return report(results, { rounds, seconds, engine });
  } finally {
    await Promise.all([stack.stop(), bare.stop()]);
  }
};

/**
 * Uploads the file through a presigned URL of the stack and waits until the index knows it;
 * returns its URL on the API and the authorization headers of its tenant.
 */
async function uploadFile(
  stack: Awaited<ReturnType<typeof startStack>>,
): Promise<{ url: string; auth: Record<string, string> }> {
  const auth = await stack.auth(BENCH.tenant, BENCH.actor);
  const url = `${stack.state.apiUrl}/files/${KEY}`;
  const grant = await fetch(url, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json", "Content-Type": "application/pdf" },
  });
  const { url: upload, headers } = (await grant.json()) as {
    url: string;
    headers: Record<string, string>;
  };
  const put = await fetch(upload, { method: "PUT", headers, body: new Blob(["%PDF-1.7"]) });
  if (!put.ok) throw new Error(`upload through the presigned URL failed: ${put.status}`);
  // The index learns of the upload from the emulator's event, a moment later.
  await eventually(async () => {
    const answer = await fetch(url, { headers: auth, redirect: "manual" });
    return answer.status === 307 ? true : undefined;
  });
  return { url, auth };
}

/** Rounds of load on the stack and on the bare server in turn, after a second of each. */
async function loadBoth(
  url: string,
  bareUrl: string,
  auth: Record<string, string>,
  rounds: number,
  seconds: number,
): Promise<Record<Side, autocannon.Result[]>> {
  // A first second of each, not counted: JIT, connection pools and the handler's caches.
  await load(url, auth, 1);
  await load(bareUrl, auth, 1);
  const results: Record<Side, autocannon.Result[]> = { stack: [], bare: [] };
  for (let round = 0; round < rounds; round++) {
    results.stack.push(await load(url, auth, seconds));
    results.bare.push(await load(bareUrl, auth, seconds));
  }
  return results;
}

/** Requests per second and latencies of each, and the stack's rate against the bare server's. */
function report(
  results: Record<Side, autocannon.Result[]>,
  { rounds, seconds, engine }: { rounds: number; seconds: number; engine: string },
): SuiteResult {
  const all307 = (result: autocannon.Result) =>
    result.errors === 0 &&
    result.requests.total > 0 &&
    result.statusCodeStats?.["307"]?.count === result.requests.total;
  const rps = (name: Side, label: string) =>
    figure(
      `load.${name}.rps`,
      `${label}: requests/s`,
      "req/s",
      results[name].map((r) => r.requests.average),
      "higher",
    );
  const latency = (name: Side, label: string, p: "p50" | "p99") =>
    figure(
      `load.${name}.${p}`,
      `${label}: ${p} latency`,
      "ms",
      results[name].map((r) => r.latency[p]),
    );
  const stackRps = rps("stack", "local stack GET /files/{key}");
  const bareRps = rps("bare", "bare Node server, fixed 307");
  return {
    suite: "load",
    title: `5. Local stack under load (autocannon, ${CONNECTIONS} connections, ${seconds} s rounds, ${engine})`,
    figures: [
      stackRps,
      latency("stack", "local stack", "p50"),
      latency("stack", "local stack", "p99"),
      bareRps,
      latency("bare", "bare server", "p50"),
      latency("bare", "bare server", "p99"),
    ],
    ratios: [
      ratio("load.stack/bare.rps", "local stack / bare server, requests/s", stackRps, bareRps),
    ],
    checks: {
      "every request to the stack was answered with a 307": results.stack.every(all307),
      "every request to the bare server was answered with a 307": results.bare.every(all307),
    },
    setup: { rounds, seconds, connections: CONNECTIONS, dynamodb: engine, tool: "autocannon 9" },
    notes: ["autocannon records latencies in whole milliseconds"],
  };
}

function load(url: string, headers: Record<string, string>, seconds: number) {
  return autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
}
