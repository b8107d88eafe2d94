/**
 * The cold-start suite's builds: a module bundled as SST bundles a Node function, and what a
 * cold start of it loads, package by package.
 */
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { BENCH } from "./environment";

export interface Bundle {
  /** The entry module. */
  file: string;
  /** Bytes a cold start loads: the entry and the chunks it imports statically. */
  bytes: number;
  /** Bytes of every output file, chunks imported on demand included. */
  allBytes: number;
  /** Bytes of output per package (or per folder of this repository), of what a cold start loads. */
  packages: Map<string, number>;
}

/**
 * Bundles an entry point as SST does for a Node function in ESM, into `<dir>/<name>.mjs`:
 * platform node, esnext, `module` before `main`, names kept, minified, with SST's banner (a
 * `require` for the CommonJS parts of the SDK, `__filename`, `__dirname` and the links);
 * with `splitting`, as SST's `nodejs.splitting` does, each dynamically imported module in a
 * chunk of its own beside it.
 */
export async function bundle(
  entry: string,
  dir: string,
  name: string,
  options: { asSst?: boolean; splitting?: boolean } = {},
): Promise<Bundle> {
  const { asSst = true, splitting = false } = options;
  const links = {
    FileBucket: { name: BENCH.bucket, type: "sst.aws.Bucket" },
    FileIndex: { name: BENCH.table, type: "sst.aws.Dynamo" },
  };
  const result = await build({
    entryPoints: [entry],
    // A folder per module: its chunks are its own.
    outdir: join(dir, name),
    entryNames: name,
    outExtension: { ".js": ".mjs" },
    splitting,
    platform: "node",
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    bundle: true,
    minify: true,
    keepNames: true,
    metafile: true,
    logLevel: "silent",
    ...(asSst
      ? {
          banner: {
            js: [
              `import { createRequire as topLevelCreateRequire } from 'module';`,
              `const require = topLevelCreateRequire(import.meta.url);`,
              `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
              `const __filename = topLevelFileUrlToPath(import.meta.url)`,
              `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
              `globalThis.$SST_LINKS = ${JSON.stringify(links)};`,
            ].join("\n"),
          },
        }
      : {}),
  });
  const outputs = result.metafile.outputs;
  const loaded = loadedAtStart(result.metafile, `${name}.mjs`);
  return {
    file: join(dir, name, `${name}.mjs`),
    bytes: sum(loaded.map((path) => outputs[path]?.bytes ?? 0)),
    allBytes: sum(Object.values(outputs).map((output) => output.bytes)),
    packages: bytesByPackage(loaded.map((path) => outputs[path] as Metafile["outputs"][string])),
  };
}

/**
 * The output files a cold start loads: the entry and, transitively, the chunks it imports
 * with `import` statements; not the ones imported on demand (`import()`).
 */
function loadedAtStart(metafile: Metafile, entryFile: string): string[] {
  const paths = Object.keys(metafile.outputs);
  const entry = paths.find((path) => path.endsWith(`/${entryFile}`));
  const loaded = new Set<string>(entry ? [entry] : []);
  for (const path of loaded) {
    for (const { path: imported, kind } of metafile.outputs[path]?.imports ?? []) {
      if (kind === "import-statement" && imported in metafile.outputs) loaded.add(imported);
    }
  }
  return [...loaded];
}

export function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function bytesByPackage(outputs: Metafile["outputs"][string][]): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const output of outputs) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ??
        path.replace(/^(packages\/[^/]+|bench)\/.*$/, "$1");
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return byPackage;
}

/** What `bundle` carries beyond `floor`, package by package. */
export function difference(
  bundle: Map<string, number>,
  floor: Map<string, number>,
): Map<string, number> {
  return new Map([...bundle].map(([name, bytes]) => [name, bytes - (floor.get(name) ?? 0)]));
}

/** The packages that weigh most, e.g. "zod 20 KB, @aws-lambda-powertools/logger 18 KB". */
export function heaviest(packages: Map<string, number>, count = 6): string {
  return (
    [...packages]
      .filter(([, bytes]) => bytes >= 512)
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`)
      .join(", ") || "no package of 1 KB or more"
  );
}
