import { type ChildProcess, spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type RunningStack, startStack } from "./helpers/stack";
import { scratchCheckout } from "./helpers/walkthrough";

/**
 * Runs the webhook receiver of README.md as written (tsx, WEBHOOK_SECRET and PORT set) against
 * a local stack: it must print what it verified, once per webhook-id, and refuse a forgery.
 */
let stack: RunningStack;
let workdir: string;
let receiver: ChildProcess | undefined;
let output = "";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const block = /## Webhooks\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README.md has no webhook receiver");
  workdir = await scratchCheckout();
  await writeFile(join(workdir, "receiver.ts"), block);
  stack = await startStack();
});
afterAll(async () => {
  receiver?.kill();
  await stack?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("the README's webhook receiver", () => {
  it("verifies and prints each event once, and refuses a forgery", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const block = /## Webhooks\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(block.trim().split("\n").length).toBeLessThanOrEqual(25);
    const api = stack.state.apiUrl;
    const headers = await stack.auth("acme", "alice");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks`;
    const created = await fetch(`${api}/webhooks`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
    const { secret } = (await created.json()) as { secret: string };
    receiver = spawn(join(ROOT, "node_modules/.bin/tsx"), ["receiver.ts"], {
      cwd: workdir,
      env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    receiver.stdout?.on("data", (chunk) => (output += chunk));
    receiver.stderr?.on("data", (chunk) => (output += chunk));
    // Wait for it to listen.
    for (let i = 0; i < 200; i++) {
      const probe = await fetch(url, { method: "POST", body: "{}" }).catch(() => undefined);
      if (probe) {
        expect(probe.status).toBe(401);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const signed = (await (
      await fetch(`${api}/files/hooks/hello.txt`, {
        method: "PUT",
        headers: { ...headers, accept: "application/json", "content-type": "text/plain" },
      })
    ).json()) as { url: string; method: string; headers: Record<string, string> };
    await fetch(signed.url, {
      method: signed.method,
      headers: signed.headers,
      body: new Blob(["hi"]),
    });
    const deadline = Date.now() + 20_000;
    while (!output.includes("file.created") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output.trim().split("\n")).toEqual(["file.created hooks/hello.txt alice"]);
  });
});
