import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

const PAGE_DIR = join(import.meta.dirname, "page");
const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/flows.js": { file: "flows.js", type: "text/javascript; charset=utf-8" },
};

export interface PageServer {
  /** The page's origin, e.g. `http://127.0.0.1:41234`: another port than the API's and S3's. */
  origin: string;
  close(): Promise<void>;
}

/** Serves the test page (`page/`) from its own port, so the page is a third origin. */
export async function servePage(): Promise<PageServer> {
  const server = createServer(async (req, res) => {
    const entry = FILES[new URL(req.url ?? "/", "http://page").pathname];
    if (req.method !== "GET" || !entry) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const body = await readFile(join(PAGE_DIR, entry.file));
    res.writeHead(200, { "Content-Type": entry.type, "Cache-Control": "no-store" }).end(body);
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
