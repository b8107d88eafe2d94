/**
 * The console's build: one minified ES module and one stylesheet from `src/`, with
 * `index.html` beside them. `buildConsole` builds in memory (the local stack serves it); run as
 * a script it writes `dist/` (what `sst.aws.StaticSite` uploads), with a `config.json` naming
 * the API from `FILEGATE_API_URL`.
 *
 * @example node --import tsx packages/console/build.ts            # dist/, no config.json
 * @example FILEGATE_API_URL=https://api.example.com node --import tsx packages/console/build.ts
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));

/** A file of the built console: its bytes and media type. */
export interface ConsoleFile {
  body: Uint8Array;
  type: string;
}

/** What `config.json` tells the console. */
export interface ConsoleConfig {
  apiUrl: string;
  /** Offered on the sign-in page; only the local stack sets it. */
  devToken?: string;
  tenantClaim?: string;
}

/** Builds the console: `index.html`, `app.js` and `app.css`, by file name. */
export async function buildConsole(): Promise<Record<string, ConsoleFile>> {
  const result = await build({
    entryPoints: { app: join(HERE, "src/main.ts") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    write: false,
    outdir: "/out",
    logLevel: "silent",
  });
  const files: Record<string, ConsoleFile> = {
    "index.html": {
      body: await readFile(join(HERE, "src/index.html")),
      type: "text/html; charset=utf-8",
    },
  };
  for (const output of result.outputFiles) {
    const name = output.path.slice("/out/".length);
    const type = name.endsWith(".css")
      ? "text/css; charset=utf-8"
      : "text/javascript; charset=utf-8";
    files[name] = { body: output.contents, type };
  }
  return files;
}

/** The `config.json` of a console that talks to `config.apiUrl`. */
export function configFile(config: ConsoleConfig): ConsoleFile {
  return {
    body: new TextEncoder().encode(`${JSON.stringify(config)}\n`),
    type: "application/json",
  };
}

/** Writes the built console into `out` (emptied first). */
export async function writeConsole(out: string, apiUrl: string | undefined): Promise<string[]> {
  const files = await buildConsole();
  if (apiUrl) files["config.json"] = configFile({ apiUrl });
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  for (const [name, file] of Object.entries(files)) await writeFile(join(out, name), file.body);
  return Object.keys(files);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(HERE, "dist");
  const names = await writeConsole(out, process.env.FILEGATE_API_URL || undefined);
  console.log(`console built into ${out}: ${names.join(", ")}`);
}
