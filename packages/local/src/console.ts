/**
 * The web console on the local stack: its own HTTP server (another origin than the API, as
 * CloudFront is on AWS, so the API's CORS rules decide here too), at `/console/`. The console
 * is built in memory at the first request; its `config.json` names this stack's API and offers
 * the dev token.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  buildConsole,
  type ConsoleConfig,
  type ConsoleFile,
  configFile,
} from "@filegate/console/build";

export const CONSOLE_PATH = "/console/";

export interface ConsoleServer {
  /** Where the console is: `http://127.0.0.1:<port>/console/`. */
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Starts the console's server on `port` (0: a free one). */
export async function startConsole(options: {
  port: number;
  config: () => ConsoleConfig;
  log(line: string): void;
}): Promise<ConsoleServer> {
  let files: Promise<Record<string, ConsoleFile>> | undefined;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://console").pathname;
    if (path === "/" || path === "/console") {
      res.writeHead(302, { Location: CONSOLE_PATH }).end();
      return;
    }
    const name = path.startsWith(CONSOLE_PATH)
      ? path.slice(CONSOLE_PATH.length) || "index.html"
      : "";
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    try {
      files ??= buildConsole();
      const file = name === "config.json" ? configFile(options.config()) : (await files)[name];
      if (!file) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
        return;
      }
      res.writeHead(200, {
        "Content-Type": file.type,
        "Content-Length": String(file.body.byteLength),
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : file.body);
    } catch (error) {
      files = undefined;
      options.log(`console build failed: ${(error as Error).stack ?? error}`);
      res.writeHead(500, { "Content-Type": "text/plain" }).end("the console failed to build");
    }
  });
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${CONSOLE_PATH}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
