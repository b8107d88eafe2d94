/**
 * Prepares SST's platform (`.sst/platform`: its components, types and Pulumi SDK) offline, for
 * the type-check and the mock run of sst.config.ts. `sst install` extracts it from the pinned
 * `sst` binary and installs the providers from the npm registry; it does not download pulumi
 * or touch AWS. Skipped when the platform already matches the pinned version.
 *
 *   npm run sst:prepare [-- --force]
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  installedSstVersion,
  pinnedSstVersion,
  platformProblems,
  ROOT,
  sstPaths,
} from "./platform";

const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(2)} s`;
const force = process.argv.includes("--force");

const pinned = pinnedSstVersion();
const installed = installedSstVersion();
if (installed !== pinned) {
  console.error(`sst ${pinned} is pinned but ${installed ?? "none"} is installed: run npm ci`);
  process.exit(1);
}

const problems = force ? ["--force"] : platformProblems(pinned);
if (problems.length === 0) {
  console.log(`SST ${pinned} platform is ready in .sst/platform (${seconds()})`);
  process.exit(0);
}

console.log(`Preparing the SST ${pinned} platform in .sst/platform (${problems.join("; ")})`);
const install = spawnSync(
  process.execPath,
  [join(ROOT, "node_modules/sst/bin/sst.mjs"), "install"],
  {
    cwd: sstPaths().root,
    stdio: "inherit",
    env: {
      ...process.env,
      // Use the platform's own node_modules; never fetch pulumi or bun, send no telemetry.
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_NO_BUN: "1",
      SST_TELEMETRY_DISABLED: "1",
      // `sst install` insists on a stage; nothing it writes depends on which one.
      SST_STAGE: process.env.SST_STAGE || "offline",
    },
  },
);
const left = platformProblems(pinned);
if (install.status !== 0 || left.length > 0) {
  console.error(`sst install failed (exit ${install.status}): ${left.join("; ")}`);
  process.exit(1);
}
console.log(`SST ${pinned} platform prepared in ${seconds()}`);
