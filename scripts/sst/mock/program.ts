/**
 * Evaluates sst.config.ts the way the sst 4 CLI does: esbuild bundles it into `.sst/platform`
 * (so that `@pulumi/*` resolve to the platform's own packages), first to read `app()` for a
 * stage, then together with SST's `run` wrapper, with `$app`, `$cli` and `$dev` defined and
 * the `aws` and `sst` globals injected into every file of the program.
 */
import { readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { readProviderLock, sstPaths } from "../platform";
import { ESM_BANNER } from "./build";
import type { AppInfo, Mode } from "./types";

/** Kept out of the bundle by the CLI too: they come from the platform's node_modules. */
const EXTERNAL = [
  "@pulumi/*",
  "undici",
  "@pulumiverse/*",
  "@sst-provider/*",
  "@aws-sdk/*",
  "esbuild",
  "archiver",
  "glob",
  "vite",
];

/** SST's `$cli`: what the program knows of the command that runs it. */
export interface CliInfo {
  command: "deploy" | "dev";
  dev: boolean;
  paths: { home: string; root: string; work: string; platform: string };
  state: { version: Record<string, number> };
}

interface AppInput {
  name: string;
  removal?: AppInfo["removal"];
  protect?: boolean;
  home: string;
  providers?: Record<string, string | Record<string, unknown>>;
}

interface Program {
  run(program: () => Promise<Record<string, unknown> | undefined>): Promise<unknown>;
  config: { run(): Promise<Record<string, unknown> | undefined> };
}

async function bundleAndImport<T>(
  root: string,
  name: string,
  code: string,
  options: {
    banner?: string;
    define?: Record<string, string>;
    inject?: string[];
    plugins: Plugin[];
  },
): Promise<T> {
  const outfile = join(sstPaths(root).platform, `sst.mock.${process.pid}.${name}.mjs`);
  try {
    await build({
      stdin: { contents: code, resolveDir: root, sourcefile: "eval.ts", loader: "ts" },
      banner: { js: `${ESM_BANNER}\n${options.banner ?? ""}` },
      define: options.define,
      inject: options.inject,
      bundle: true,
      format: "esm",
      platform: "node",
      mainFields: ["module", "main"],
      nodePaths: [join(sstPaths(root).platform, "node_modules")],
      external: EXTERNAL,
      outfile,
      write: true,
      logLevel: "silent",
      plugins: options.plugins,
    });
    return (await import(pathToFileURL(outfile).href)) as T;
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** `app()` of sst.config.ts for a stage, completed with SST's defaults (`$app`). */
export async function evaluateApp(root: string, stage: string): Promise<AppInfo> {
  const config = JSON.stringify(sstPaths(root).config);
  const { default: input } = await bundleAndImport<{ default: AppInput }>(
    root,
    "app",
    `import mod from ${config};\nexport default await mod.app({ stage: ${JSON.stringify(stage)} });`,
    { banner: "function $config(input) { return input }", plugins: [noTopLevelImports()] },
  );
  const providers: AppInfo["providers"] = {};
  for (const [name, value] of Object.entries(input.providers ?? {})) {
    providers[name] = typeof value === "string" ? { version: value } : value;
  }
  if (input.home !== "local") providers[input.home] ??= {};
  return {
    name: input.name,
    stage,
    removal: input.removal ?? "retain",
    protect: input.protect ?? false,
    home: input.home,
    providers,
  };
}

/** The program the CLI runs: SST's `run` wrapper and the config, ready for Pulumi. */
export async function loadProgram(root: string, app: AppInfo, mode: Mode, work: string) {
  const paths = sstPaths(root);
  const cli: CliInfo = {
    command: mode,
    dev: mode === "dev",
    paths: { home: join(paths.sst, "mock", "home"), root, work, platform: paths.platform },
    state: { version: {} },
  };
  const globals = [
    ...readProviderLock(root).map((entry) => `import * as ${entry.alias} from "${entry.package}";`),
    `import * as sst from "${join(paths.platform, "src/components")}";`,
  ].join("\n");
  return bundleAndImport<Program>(
    root,
    "run",
    [
      `export { run } from ${JSON.stringify(join(paths.platform, "src/auto/run.ts"))};`,
      `export { default as config } from ${JSON.stringify(paths.config)};`,
    ].join("\n"),
    {
      define: {
        $app: JSON.stringify(app),
        $cli: JSON.stringify(cli),
        $dev: JSON.stringify(mode === "dev"),
      },
      inject: [join(paths.platform, "src/shim/run.js")],
      plugins: [injectGlobals(globals)],
    },
  );
}

/** Like the CLI: the config may import only inside `run()`. */
function noTopLevelImports(): Plugin {
  return {
    name: "DisallowImports",
    setup(setup) {
      setup.onResolve({ filter: /.*/ }, (args) => {
        if (basename(args.importer) !== "sst.config.ts" || args.kind !== "import-statement") {
          return undefined;
        }
        return {
          errors: [
            { text: `sst.config.ts imports "${args.path}" at the top level; import it in run()` },
          ],
        };
      });
    },
  };
}

/** Like the CLI: `aws` and `sst` are globals in every file outside `.sst`. */
function injectGlobals(globals: string): Plugin {
  return {
    name: "InjectGlobals",
    setup(setup) {
      setup.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, (args) => {
        const contents = readFileSync(args.path, "utf8");
        return {
          contents: args.path.includes(".sst") ? contents : `${globals}\n${contents}`,
          loader: "default",
        };
      });
    },
  };
}
