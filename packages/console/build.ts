/**
 * The console's build: one minified ES module and one stylesheet from `src/`, with
 * `index.html` pointing at them. `buildConsole` builds in memory (the local stack serves it); run as
 * a script it writes `dist/` (what `sst.aws.StaticSite` uploads), with a `config.json` naming
 * the API from `FILEGATE_API_URL`.
 *
 * @example node --import tsx packages/console/build.ts            # dist/, no config.json
 * @example FILEGATE_API_URL=https://api.example.com node --import tsx packages/console/build.ts
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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

/**
 * Builds the console: `index.html` and, named by their content's hash (cached for good by
 * browsers and CloudFront), `app-<hash>.js` and `app-<hash>.css`, by file name.
 */
export async function buildConsole(): Promise<Record<string, ConsoleFile>> {
  const result = await build({
    entryPoints: { app: join(HERE, "src/main.ts") },
    entryNames: "[name]-[hash]",
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
  const files: Record<string, ConsoleFile> = {};
  let html = await readFile(join(HERE, "src/index.html"), "utf8");
  for (const output of result.outputFiles) {
    const name = output.path.slice("/out/".length);
    const css = name.endsWith(".css");
    html = html.replace(css ? "app.css" : "app.js", name);
    files[name] = {
      body: output.contents,
      type: css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
    };
  }
  files["index.html"] = { body: new TextEncoder().encode(html), type: "text/html; charset=utf-8" };
  return files;
}

/** The `config.json` of a console that talks to `config.apiUrl`. */
export function configFile(config: ConsoleConfig): ConsoleFile {
  return {
    body: new TextEncoder().encode(`${JSON.stringify(config)}\n`),
    type: "application/json",
  };
}

/**
 * Writes the built console into `out`, each file replaced whole (written aside, then renamed),
 * so that a reader of `out` never sees a half-written file, whatever else builds it meanwhile.
 */
export async function writeConsole(out: string, apiUrl: string | undefined): Promise<string[]> {
  const files = await buildConsole();
  if (apiUrl) files["config.json"] = configFile({ apiUrl });
  await mkdir(out, { recursive: true });
  // Earlier builds' bundles go: only this build's files are uploaded.
  for (const name of await readdir(out)) {
    if (/^app(-.*)?\.(js|css)$/.test(name) && !(name in files))
      await rm(join(out, name), { force: true });
  }
  for (const [name, file] of Object.entries(files)) {
    const aside = join(out, `.${name}.${process.pid}.tmp`);
    await writeFile(aside, file.body);
    await rename(aside, join(out, name));
  }
  if (!apiUrl) await rm(join(out, "config.json"), { force: true });
  return Object.keys(files);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(HERE, "dist");
  const names = await writeConsole(out, process.env.FILEGATE_API_URL || undefined);
  console.log(`console built into ${out}: ${names.join(", ")}`);
}
