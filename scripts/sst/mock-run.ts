/**
 * Runs the SST app offline under Pulumi's mocks and writes what it would create as JSON.
 * Needs `.sst/platform` (`npm run sst:prepare`); no AWS account, no network.
 *
 *   node --import tsx scripts/sst/mock-run.ts [--stage dev] [--mode deploy|dev]
 *        [--secret Name=value ...] [--region us-east-1] [--no-bundle] [--out file.json]
 *        [--work folder] [--write-types]
 *
 * `--work` is where function code is built (default `.sst/mock/<stage>-<mode>`). `--no-bundle`
 * checks each handler's own module only (its file and exports), which is faster than bundling
 * every handler as a deploy does. `--write-types` rewrites the sst-env.d.ts files from the
 * run's links, as `sst dev` and `sst deploy` would. Without `--out` or `--write-types`, a
 * summary is printed. Exits 1 with SST's messages when the run fails.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { mockRun } from "./mock/run";
import type { Mode } from "./mock/types";
import { ROOT } from "./platform";
import { renderSstEnv } from "./sst-env";

// tsx turns source maps on; reading the maps of @pulumi/aws's thousands of modules would
// cost more than the rest of the run.
process.setSourceMapsEnabled(false);

const { values } = parseArgs({
  options: {
    stage: { type: "string", default: "dev" },
    mode: { type: "string", default: "deploy" },
    secret: { type: "string", multiple: true, default: [] },
    region: { type: "string", default: "us-east-1" },
    "no-bundle": { type: "boolean", default: false },
    out: { type: "string" },
    work: { type: "string" },
    "write-types": { type: "boolean", default: false },
  },
});
if (values.mode !== "deploy" && values.mode !== "dev") {
  throw new Error(`--mode must be deploy or dev, not ${values.mode}`);
}
const secrets = Object.fromEntries(
  values.secret.map((pair) => {
    const at = pair.indexOf("=");
    if (at < 1) throw new Error(`--secret takes Name=value, not ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

const started = performance.now();
// A run that stops making progress (a promise SST waits on forever) fails rather than hangs.
setTimeout(() => {
  console.error("mock run: no result after 120 s");
  process.exit(1);
}, 120_000).unref();
try {
  const run = await mockRun({
    stage: values.stage,
    mode: values.mode as Mode,
    secrets,
    region: values.region,
    bundle: !values["no-bundle"],
    work: values.work,
  });
  if (values.out) writeFileSync(values.out, JSON.stringify(run, null, 2));
  if (values["write-types"]) {
    for (const [file, content] of renderSstEnv(run.links)) {
      writeFileSync(file, content);
      console.log(`wrote ${relative(ROOT, file)}`);
    }
  }
  if (!values.out && !values["write-types"]) {
    const types: Record<string, number> = {};
    for (const resource of run.resources) types[resource.type] = (types[resource.type] ?? 0) + 1;
    const summary = { app: run.app, outputs: run.outputs, links: Object.keys(run.links), types };
    console.log(JSON.stringify(summary, null, 2));
  }
  console.error(
    `mock run of stage ${values.stage} (${values.mode}): ${Math.round(performance.now() - started)} ms`,
  );
  // Pulumi's gRPC handles can keep the event loop alive.
  process.exit(0);
} catch (error) {
  const failure = error as { message?: string; errors?: { text: string }[] };
  console.error(failure.errors?.map((e) => e.text).join("\n") || failure.message || String(error));
  process.exit(1);
}
