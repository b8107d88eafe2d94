import { timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One admin action: runs on POST /<name>, answers with its JSON result. */
export type AdminAction = () => Promise<unknown>;

/**
 * The local stack's admin endpoint, on its own loopback port (never on the API's, which
 * mirrors API Gateway): `POST /redrive` and the like, for the CLI's commands. Requests carry
 * `Authorization: Bearer <token>` with the token from local.json.
 */
export async function startAdmin(options: {
  token: string;
  actions: Record<string, AdminAction>;
  log(line: string): void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const expected = Buffer.from(`Bearer ${options.token}`);
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return answer(401, { error: "the admin token from local.json is required" });
    }
    // Own properties only: "/constructor" or "/__proto__" name no action.
    const name = (req.url ?? "/").slice(1);
    const action = Object.hasOwn(options.actions, name) ? options.actions[name] : undefined;
    if (!action) return answer(404, { error: `no admin action ${req.url}` });
    if (req.method !== "POST") return answer(405, { error: "use POST" });
    req.resume();
    // A throw inside an action is an answer, never a crash of the stack.
    Promise.resolve()
      .then(action)
      .then(
        (result) => answer(200, result),
        (error: Error) => {
          options.log(`admin ${req.url} failed: ${error.stack ?? error}`);
          answer(500, { error: error.message });
        },
      );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
