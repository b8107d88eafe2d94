import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebhook } from "./send";

// A real HTTP server that misbehaves in the ways a receiver can.
let server: Server;
let port = 0;
let redirectedTo = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/redirect") {
      response.writeHead(307, { location: "/landed" }).end();
    } else if (request.url === "/landed") {
      redirectedTo++;
      response.writeHead(200).end();
    } else if (request.url === "/slow") {
      setTimeout(() => response.writeHead(200).end(), 2000).unref();
    } else if (request.url === "/huge") {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 97);
      const write = () => {
        while (response.write(chunk)) {
          if (response.destroyed) return;
        }
        response.once("drain", write);
      };
      write();
    } else {
      request.resume();
      request.on("end", () => response.writeHead(204).end());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const send = (path: string, timeoutMs = 1000) =>
  sendWebhook({
    // The host name is never looked up: the connection goes to the checked address.
    url: new URL(`http://receiver.invalid:${port}${path}`),
    address: "127.0.0.1",
    family: 4,
    headers: { "webhook-id": "msg_1" },
    body: "{}",
    timeoutMs,
    maxResponseBytes: 1024,
  });

describe("sendWebhook", () => {
  it("connects to the checked address, not to a new lookup of the host", async () => {
    expect(await send("/ok")).toMatchObject({ ok: true, status: 204 });
  });

  it("does not follow redirects: a 3xx is a failure", async () => {
    expect(await send("/redirect")).toMatchObject({ ok: false, status: 307 });
    expect(redirectedTo).toBe(0);
  });

  it("gives up on a receiver that does not answer in time", async () => {
    const result = await send("/slow", 200);
    expect(result).toMatchObject({ ok: false, error: "no answer within 200 ms" });
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("stops reading an endless answer at the cap", async () => {
    expect(await send("/huge")).toMatchObject({ ok: true, status: 200 });
  });

  it("reports a refused connection without throwing", async () => {
    const result = await sendWebhook({
      url: new URL("http://receiver.invalid:1/"),
      address: "127.0.0.1",
      family: 4,
      headers: {},
      body: "{}",
      timeoutMs: 1000,
      maxResponseBytes: 1024,
    });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ECONNREFUSED/);
  });
});
