/**
 * Where SST keeps its platform (`.sst/platform`, extracted from the pinned `sst` binary by
 * `sst install`) and how to tell whether it matches the pinned version. Shared by the
 * preparation script and the mock runner.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/** The repository root (where sst.config.ts lives). */
export const ROOT = resolve(import.meta.dirname, "../..");

export interface ProviderLockEntry {
  name: string;
  package: string;
  version: string;
  alias: string;
}

export function sstPaths(root: string = ROOT) {
  const sst = join(root, ".sst");
  const platform = join(sst, "platform");
  return {
    root,
    sst,
    platform,
    config: join(root, "sst.config.ts"),
    configTypes: join(platform, "config.d.ts"),
    version: join(platform, "version"),
    providerLock: join(sst, "provider-lock.json"),
  };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** The `sst` version package.json pins (an exact version, or this throws). */
export function pinnedSstVersion(root: string = ROOT): string {
  const pkg = readJson<{ devDependencies?: Record<string, string> }>(join(root, "package.json"));
  const version = pkg.devDependencies?.sst;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`package.json must pin sst to an exact version (found ${version ?? "none"})`);
  }
  return version;
}

/** The `sst` version npm installed, or undefined before `npm ci`. */
export function installedSstVersion(root: string = ROOT): string | undefined {
  const file = join(root, "node_modules/sst/package.json");
  return existsSync(file) ? readJson<{ version: string }>(file).version : undefined;
}

/** The providers `sst install` installed into the platform (`.sst/provider-lock.json`). */
export function readProviderLock(root: string = ROOT): ProviderLockEntry[] {
  const file = sstPaths(root).providerLock;
  return existsSync(file) ? readJson<ProviderLockEntry[]>(file) : [];
}

/** Why `.sst/platform` cannot be used as it is for `version`; empty when it can. */
export function platformProblems(version: string, root: string = ROOT): string[] {
  const paths = sstPaths(root);
  if (!existsSync(paths.version)) return ["no .sst/platform yet"];
  const found = readFileSync(paths.version, "utf8").trim();
  if (found !== version) return [`.sst/platform is for sst ${found}, not ${version}`];
  const problems: string[] = [];
  if (!existsSync(paths.configTypes)) problems.push("config.d.ts is missing");
  const lock = readProviderLock(root);
  if (lock.length === 0) problems.push("no providers installed");
  for (const pkg of ["@pulumi/pulumi", ...lock.map((entry) => entry.package)]) {
    if (!existsSync(join(paths.platform, "node_modules", pkg, "package.json"))) {
      problems.push(`${pkg} is not installed`);
    }
  }
  return problems;
}

/** `require` as seen from the platform: its own @pulumi/pulumi, the one SST's code uses. */
export function requireFromPlatform(root: string = ROOT): NodeJS.Require {
  return createRequire(join(sstPaths(root).platform, "package.json"));
}
