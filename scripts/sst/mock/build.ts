/**
 * Stand-in for the sst CLI's Node runtime build (`Runtime.Build`): bundles a function's handler
 * with esbuild into `<work>/artifacts/<functionID>-src/bundle.mjs`, writes the encrypted link
 * data `Resource` reads at runtime, and reports what the handler is made of. A handler that
 * cannot be built is reported (in `errors`), not thrown, so that a test can name the problem.
 */
import { createCipheriv } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";
import type { HandlerTarget } from "./types";

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** The banner SST puts on ESM bundles, so CommonJS dependencies find `require`. */
export const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  "const require = topLevelCreateRequire(import.meta.url);",
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  "const __filename = topLevelFileUrlToPath(import.meta.url)",
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

/** The request SST's Function component sends (`Runtime.Build`, `Runtime.AddTarget`). */
export interface BuildRequest {
  functionID: string;
  handler: string;
  bundle?: string;
  runtime?: string;
  encryptionKey?: string;
  links?: Record<string, Record<string, unknown>>;
  properties?: {
    banner?: string;
    /** `nodejs.splitting`: dynamic imports in chunks of their own beside the bundle. */
    splitting?: boolean;
    install?: Record<string, string>;
    esbuild?: { external?: string[] };
  };
}

export interface BuildResult {
  handler: string;
  out: string;
  errors: string[];
  sourcemaps: string[];
}

/** `packages/x/src/a.handler` → the source file and export it names. */
export function resolveHandler(root: string, handler: string) {
  const name = basename(handler);
  const dot = name.lastIndexOf(".");
  const exportName = name.slice(dot + 1);
  const base = join(root, dirname(handler), name.slice(0, dot));
  const file = EXTENSIONS.map((ext) => base + ext).find((candidate) => existsSync(candidate));
  return { file, exportName };
}

/**
 * Builds one handler as the CLI would and describes it for the tests. With `bundle`, the whole
 * handler is bundled (what a deploy uploads); without, only its own module is read (enough to
 * know it exists and what it exports, and much faster). With `out`, the bundle and
 * `resource.enc` are written there: the folder SST zips into the function's code.
 */
export async function buildHandler(
  request: BuildRequest,
  options: { root: string; sstVersion: string; bundle: boolean; out?: string },
): Promise<{ result: BuildResult; target: HandlerTarget }> {
  const { root, out = "" } = options;
  const { file, exportName } = resolveHandler(root, request.handler);
  const target: HandlerTarget = {
    functionID: request.functionID,
    handler: request.handler,
    links: request.links ?? {},
    runtime: request.runtime,
    file: file && relative(root, file),
    out: out || undefined,
    splitting: request.properties?.splitting === true,
    exports: [],
    sources: [],
    errors: [],
  };
  const result: BuildResult = { handler: `bundle.${exportName}`, out, errors: [], sourcemaps: [] };
  const outfile = join(out, "bundle.mjs");
  if (out) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    // Replaced by the bundle; left as it is if the handler cannot be built, so that the run
    // goes on and every broken handler gets reported, not just the first.
    writeFileSync(outfile, `export const ${exportName} = undefined;\n`);
    if (request.encryptionKey) writeResourceFile(out, request.encryptionKey, target.links);
  }
  if (!file) {
    target.errors.push(`Could not find file for handler "${request.handler}"`);
    return { result, target };
  }
  const write = options.bundle && out !== "";
  try {
    const built = await build({
      entryPoints: [file],
      absWorkingDir: root,
      ...(target.splitting
        ? // The entry stays `bundle.mjs`, its chunks beside it (what the CLI zips).
          { outdir: write ? out : root, entryNames: "bundle", outExtension: { ".js": ".mjs" } }
        : { outfile: write ? outfile : join(root, "bundle.mjs") }),
      splitting: target.splitting,
      bundle: options.bundle,
      platform: "node",
      format: "esm",
      target: `node${/^nodejs(\d+)/.exec(request.runtime ?? "")?.[1] ?? "24"}`,
      mainFields: ["module", "main"],
      keepNames: true,
      sourcemap: "linked",
      metafile: true,
      write,
      logLevel: "silent",
      banner: { js: `${ESM_BANNER}\n${request.properties?.banner ?? ""}` },
      ...(options.bundle && {
        external: [
          "sharp",
          "pg-native",
          ...Object.keys(request.properties?.install ?? {}),
          ...(request.properties?.esbuild?.external ?? []),
        ],
        plugins: [sstVersionCheck(options.sstVersion)],
      }),
    });
    describeBundle(target, built.metafile, root);
    if (write) result.sourcemaps.push(`${outfile}.map`);
  } catch (error) {
    const failure = error as { errors?: { text: string }[]; message?: string };
    target.errors.push(...(failure.errors?.map((e) => e.text) ?? [String(failure.message)]));
  }
  if (target.errors.length === 0 && !target.exports.includes(exportName)) {
    target.errors.push(`${target.file} does not export "${exportName}"`);
  }
  return { result, target };
}

function describeBundle(target: HandlerTarget, metafile: Metafile, root: string) {
  // With splitting, each dynamically imported module is an entry point too: the handler's is
  // the one of its own file.
  const output = Object.values(metafile.outputs).find(
    (entry) => entry.entryPoint !== undefined && entry.entryPoint === target.file,
  );
  target.exports = output?.exports ?? [];
  target.sources = Object.keys(metafile.inputs)
    .filter((input) => !input.split(/[\\/]/).includes("node_modules"))
    .map((input) => relative(root, resolve(root, input)).split(sep).join("/"))
    .sort();
}

/** Like the CLI: AES-256-GCM with a zero nonce, tag appended; `Resource` decrypts it at runtime. */
function writeResourceFile(out: string, key: string, links: Record<string, unknown>) {
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(key, "base64"), Buffer.alloc(12));
  const data = Buffer.concat([
    cipher.update(JSON.stringify(links)),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  writeFileSync(join(out, "resource.enc"), data);
}

/** Like the CLI: the `sst` package a handler imports must be the CLI's own version. */
function sstVersionCheck(version: string): Plugin {
  return {
    name: "sst-version-check",
    setup(setup) {
      setup.onResolve({ filter: /^sst$/ }, async (args) => {
        if (args.pluginData === "resolved") return undefined;
        const found = await setup.resolve("sst", {
          resolveDir: args.resolveDir,
          importer: args.importer,
          kind: args.kind,
          pluginData: "resolved",
        });
        if (found.errors.length > 0) return { errors: found.errors };
        let dir = dirname(found.path);
        while (!existsSync(join(dir, "package.json")) && dir !== dirname(dir)) dir = dirname(dir);
        const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
          version: string;
        };
        if (pkg.version === version) return { path: found.path };
        return {
          errors: [
            {
              text: `The sst package your application is importing (${pkg.version}) does not match the sst cli version (${version}).`,
            },
          ],
        };
      });
    },
  };
}
