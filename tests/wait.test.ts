import type { LocalStack } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "./helpers/http";
import { startInProcessStack } from "./helpers/in-process";

/**
 * `?wait=` on reads: after an upload, the file reaches the index only with S3's event. The
 * stack here holds every event back for a while (as S3 does when it is slow), so the read
 * must wait for it — or answer 404 at once without `wait`.
 */
const DELAY_MS = 600;
let stack: LocalStack;
let auth: Record<string, string>;

beforeAll(async () => {
  stack = await startInProcessStack();
  const send = stack.bridge.send.bind(stack.bridge);
  stack.bridge.send = (body: string, id?: string) => {
    setTimeout(() => send(body, id), DELAY_MS);
  };
  auth = { Authorization: `Bearer ${await stack.token({ tenant: "acme", sub: "alice" })}` };
});
afterAll(async () => {
  await stack?.stop();
});

/** Uploads through a grant of the API; the index learns of it only with the delayed event. */
async function uploadBehindTheIndex(key: string, body: string) {
  const grant = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  const { url } = (await grant.json()) as { url: string };
  expect((await fetch(url, { method: "PUT", body: new Blob([body]) })).status).toBe(200);
}

async function timed(method: string, path: string) {
  const started = performance.now();
  const response = await rawRequest(stack.state.apiUrl, method, path, auth);
  return { ...response, ms: performance.now() - started };
}

describe("?wait= on GET and HEAD", () => {
  it("answers 404 at once without it, and waits for the upload's event with it", async () => {
    await uploadBehindTheIndex("a.txt", "hello");
    const now = await timed("GET", "/files/a.txt");
    expect(now.status).toBe(404);
    const waited = await timed("GET", "/files/a.txt?wait=5");
    expect(waited.status).toBe(307);
    expect(waited.headers.location).toContain("/tenants/acme/a.txt?");
    expect(waited.ms).toBeLessThan(5000);
  });

  it("works for HEAD, with the file's metadata", async () => {
    await uploadBehindTheIndex("b.txt", "twelve bytes");
    const waited = await timed("HEAD", "/files/b.txt?wait=3");
    expect(waited.status).toBe(200);
    expect(waited.headers["content-length"]).toBe("12");
  });

  it("gives up after the time asked for with 404", async () => {
    const missing = await timed("GET", "/files/never.txt?wait=0.4");
    expect(missing.status).toBe(404);
    expect(missing.ms).toBeGreaterThanOrEqual(390);
    expect(missing.ms).toBeLessThan(3000);
  });

  it("refuses a wait that is not 0 to 10 seconds", async () => {
    for (const wait of ["11", "-1", "soon", "1e1", "10.5"]) {
      const response = await timed("GET", `/files/a.txt?wait=${wait}`);
      expect(response.status, wait).toBe(400);
      expect(JSON.parse(response.body).error.code).toBe("bad_request");
    }
  });
});
