import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { listKeys, rawRequest } from "./helpers/http";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup) await step();
});

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "filegate-stack-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function upload(stack: RunningStack, key: string, body: string) {
  const auth = await stack.auth("acme", "alice");
  const grant = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  const { url } = (await grant.json()) as { url: string };
  expect((await fetch(url, { method: "PUT", body: new Blob([body]) })).status).toBe(200);
  await eventually(async () =>
    (await listKeys(stack.state.apiUrl, auth)).includes(key) ? true : undefined,
  );
}

function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(true));
  });
}

describe("the local stack", () => {
  it("writes local.json with endpoints, names, region and emulator credentials", async () => {
    const stack = await startStack();
    cleanup.push(() => stack.stop());
    const state = JSON.parse(await readFile(join(stack.dir, "local.json"), "utf8"));
    expect(state).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      endpoints: {
        api: expect.stringMatching(/^http:\/\//),
        s3: expect.stringMatching(/^http:\/\//),
        dynamodb: expect.stringMatching(/^http:\/\//),
      },
      region: "us-east-1",
      bucket: "filegate-local",
      table: "filegate-local-index",
      s3: { endpoint: expect.stringMatching(/^http:\/\//) },
      dynamodb: { endpoint: expect.stringMatching(/^http:\/\//), engine: "dynalite" },
      credentials: { accessKeyId: expect.any(String), secretAccessKey: expect.any(String) },
      auth: {
        issuer: "filegate-local",
        audience: "filegate",
        tenantClaim: "tenant",
        keyFile: join(stack.dir, "signing-key.json"),
        algorithm: "RS256",
        kid: expect.any(String),
        jwksFile: join(stack.dir, "jwks.json"),
      },
    });
    // Exactly the two keys an SDK client or the AWS CLI takes, nothing the SDK adds to them.
    expect(state.credentials).toEqual({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    // The CLI prints its banner after writing local.json: wait for it rather than race it.
    await vi.waitFor(() => expect(stack.output()).toContain(state.apiUrl), { timeout: 10_000 });
  });

  it("keeps data across restarts, stops cleanly on Ctrl-C and frees its ports", async () => {
    const dir = await tempDir();
    const first = await startStack({ dir, args: ["--dynamodb", "dynalite"] });
    await upload(first, "kept.txt", "still here");
    const { apiUrl, s3, dynamodb } = first.state;
    expect(await first.stop("SIGINT")).toBe(0);
    expect(first.output()).toContain("Stopped.");
    for (const url of [apiUrl, s3.endpoint, dynamodb.endpoint])
      expect(await refused(url), url).toBe(true);
    await expect(stat(join(dir, "local.json"))).rejects.toThrow();

    const second = await startStack({ dir, args: ["--dynamodb", "dynalite"] });
    cleanup.push(() => second.stop());
    const auth = await second.auth("acme", "alice");
    expect(await listKeys(second.state.apiUrl, auth)).toEqual(["kept.txt"]);
    const body = await fetch(`${second.state.apiUrl}/files/kept.txt`, { headers: auth });
    expect(await body.text()).toBe("still here");
  });

  it("keeps nothing with --memory", async () => {
    const dir = await tempDir();
    const first = await startStack({ dir });
    await upload(first, "gone.txt", "soon gone");
    expect(await first.stop()).toBe(0);
    const second = await startStack({ dir });
    cleanup.push(() => second.stop());
    expect(await listKeys(second.state.apiUrl, await second.auth("acme", "alice"))).toEqual([]);
  });

  it("refuses to start twice on the same folder", async () => {
    const dir = await tempDir();
    const stack = await startStack({ dir });
    cleanup.push(() => stack.stop());
    await expect(startStack({ dir })).rejects.toThrow(/already runs from/);
  });

  it("runs on AWS's DynamoDB Local when Java is installed", async () => {
    const stack = await startStack({ args: ["--memory", "--dynamodb", "local"] });
    cleanup.push(() => stack.stop());
    expect(stack.state.dynamodb.engine).toBe("local");
    await upload(stack, "on-ddb-local.txt", "hello");
    const head = await fetch(`${stack.state.apiUrl}/files/on-ddb-local.txt`, {
      method: "HEAD",
      headers: await stack.auth("acme", "alice"),
    });
    expect(head.headers.get("content-length")).toBe("5");
  });

  it("explains a missing Java instead of failing with a stack trace", async () => {
    const env = { PATH: await tempDir() };
    await expect(startStack({ args: ["--memory", "--dynamodb", "local"], env })).rejects.toThrow(
      /DynamoDB Local needs Java 17 or later[\s\S]*--dynamodb dynalite/,
    );
    const fallback = await startStack({ args: ["--memory"], env });
    cleanup.push(() => fallback.stop());
    expect(fallback.state.dynamodb.engine).toBe("dynalite");
    expect(fallback.output()).toContain("No Java found: using dynalite");
  });

  it("explains a port in use", async () => {
    const first = await startStack();
    cleanup.push(() => first.stop());
    const port = new URL(first.state.apiUrl).port;
    await expect(
      startStack({ args: ["--memory", "--dynamodb", "dynalite", "--port", port] }),
    ).rejects.toThrow(new RegExp(`port ${port} is in use`));
  });

  it("refuses a bad configuration value with a clear message", async () => {
    await expect(startStack({ env: { FILEGATE_PRESIGN_EXPIRES: "forever" } })).rejects.toThrow(
      /Invalid Filegate configuration: FILEGATE_PRESIGN_EXPIRES must be a number/,
    );
  });

  it("reads the tenant from the configured claim", async () => {
    const stack = await startStack({ env: { FILEGATE_TENANT_CLAIM: "org" } });
    cleanup.push(() => stack.stop());
    const token = await stack.token("acme", "alice");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    expect(claims.org).toBe("acme");
    expect(claims.tenant).toBeUndefined();
    const response = await fetch(`${stack.state.apiUrl}/files`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
  });

  it("answers admin paths that name no action with 404, and keeps running", async () => {
    const stack = await startStack();
    cleanup.push(() => stack.stop());
    const { url, token } = stack.state.admin;
    const authorization = { Authorization: `Bearer ${token}` };
    // Names every plain object inherits: looked up as actions, they crashed the stack.
    for (const path of ["/constructor", "/__proto__", "/toString", "/hasOwnProperty"]) {
      const response = await rawRequest(url, "POST", path, authorization);
      expect(response.status, path).toBe(404);
      expect(JSON.parse(response.body).error, path).toContain("no admin action");
    }
    const redrive = await rawRequest(url, "POST", "/redrive", authorization);
    expect(redrive.status).toBe(200);
    expect(stack.child.exitCode).toBeNull();
    expect(
      (await fetch(`${stack.state.apiUrl}/files`, { headers: await stack.auth("acme") })).status,
    ).toBe(200);
  });

  it("answers a PUT that expects 100-continue with the redirect, before any body is sent", async () => {
    const stack = await startStack();
    cleanup.push(() => stack.stop());
    const { hostname, port } = new URL(stack.state.apiUrl);
    const auth = await stack.auth("acme", "alice");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        hostname,
        port,
        method: "PUT",
        path: "/files/big.bin",
        headers: { ...auth, Expect: "100-continue", "Content-Length": String(50 * 1024 * 1024) },
      });
      req.on("continue", () => reject(new Error("the API asked for the body")));
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(307);
  });
});
