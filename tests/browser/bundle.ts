import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";

/** A file a static test server answers with. */
export interface StaticFile {
  body: string | Uint8Array;
  type: string;
}

/** Bundles a browser entry point (TypeScript, npm packages, workspace packages) into one script. */
export async function bundleScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    minify: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/** The text of a package's file, resolved as Node would (`@uppy/core/css/style.min.css`). */
export function packageFile(specifier: string): Promise<string> {
  return readFile(new URL(import.meta.resolve(specifier)), "utf8");
}

/** A server of fixed files on a free port, at its own origin; `close` ends it. */
export async function serveFiles(
  files: Record<string, StaticFile>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://page").pathname];
    if (req.method !== "GET" || !file) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": file.type, "Cache-Control": "no-store" }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
