import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalStack } from "@filegate/local";
import type { Browser, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startInProcessStack } from "../helpers/in-process";
import { bundleScript, packageFile, serveFiles } from "./bundle";
import { chromiumInstalled, launchChromium, requireChromium, SCREENSHOT_DIR } from "./chromium";

/**
 * `@filegate/uppy` in Chromium, driven through Uppy's own Dashboard: files are picked with its
 * file input and sent with its buttons; the API then lists what arrived. The page asks for
 * parts of 5 MiB from 16 MiB (the API's own threshold is 100 MiB). Pauses, a reload and a
 * cancel run on a throttled connection, so that they land in the middle of an upload.
 */
const MIB = 1024 * 1024;
let browser: Browser | undefined;
let stack: LocalStack | undefined;
let site: { origin: string; close(): Promise<void> } | undefined;
let dir: string;
let api: string;
let token: string;

interface Harness {
  events: { event: string; name?: string; detail?: unknown }[];
  files(): {
    id: string;
    name: string;
    meta: { filegateUploadId?: string; filegateResumed?: boolean };
    progress: { bytesUploaded: number | false; uploadComplete?: boolean };
    isPaused: boolean;
    error: string | null;
  }[];
  stored(): { id: string; parts: { partNumber: number; etag: string }[] }[];
  limits(): Promise<Record<string, unknown>>;
}
declare const harness: Harness;

/** A file on disk with a fixed modification time, so a reloaded page sees the same file. */
async function fixture(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, name.endsWith(".txt") ? "hello from uppy\n" : randomBytes(size));
  await utimes(path, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
  return path;
}

beforeAll(async () => {
  if (!chromiumInstalled()) return;
  dir = await mkdtemp(join(tmpdir(), "filegate-uppy-"));
  browser = await launchChromium();
  stack = await startInProcessStack();
  api = stack.state.apiUrl;
  token = await stack.token({ tenant: "acme", sub: "alice" });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Uppy</title>
<link rel="stylesheet" href="/core.css"><link rel="stylesheet" href="/dashboard.css"></head>
<body><div id="app"></div><script type="module" src="/app.js"></script></body></html>`;
  site = await serveFiles({
    "/": { body: html, type: "text/html; charset=utf-8" },
    "/app.js": {
      body: await bundleScript(join(import.meta.dirname, "uppy-page/main.ts")),
      type: "text/javascript",
    },
    "/core.css": { body: await packageFile("@uppy/core/css/style.min.css"), type: "text/css" },
    "/dashboard.css": {
      body: await packageFile("@uppy/dashboard/css/style.min.css"),
      type: "text/css",
    },
  });
}, 120_000);
beforeEach(requireChromium);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(as = token): Promise<{ page: Page; devtools: CDPSession; puts: string[] }> {
  if (!browser || !site) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  const puts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "PUT") puts.push(request.url());
  });
  await page.goto(`${site.origin}/?${new URLSearchParams({ api, token: as })}`);
  await page.waitForFunction(() => "harness" in globalThis);
  return { page, devtools, puts };
}

/** Limits the page's upload speed (DevTools' network emulation). */
async function throttle(devtools: CDPSession, bytesPerSecond: number): Promise<void> {
  await devtools.send("Network.enable");
  await devtools.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

async function pick(page: Page, ...paths: string[]): Promise<void> {
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(paths);
}

async function events(page: Page, event: string): Promise<Harness["events"]> {
  return page.evaluate((name) => harness.events.filter((e) => e.event === name), event);
}

async function listed(prefix: string): Promise<{ key: string; size: number }[]> {
  const response = await fetch(`${api}/files?prefix=${encodeURIComponent(prefix)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { items: { key: string; size: number }[] }).items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function upload(id: string): Promise<{ status: string; parts?: unknown[] }> {
  const response = await fetch(`${api}/uploads/${id}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await response.json()) as { status: string; parts?: unknown[] };
}

async function uploadStatus(id: string): Promise<string> {
  return (await upload(id)).status;
}

describe("@filegate/uppy with Uppy's Dashboard, in Chromium", () => {
  it("uploads a small file in one PUT and a 20 MB file in parts; the API lists both", async () => {
    const small = await fixture("hello.txt", 0);
    const big = await fixture("big.bin", 20 * MIB + 4321);
    const { page } = await open();
    await pick(page, small, big);
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
    const done = await until("two uploads", async () => {
      const found = await events(page, "success");
      return found.length === 2 ? found : undefined;
    });
    const byName = Object.fromEntries(done.map((e) => [e.name, e.detail]));
    expect(byName["hello.txt"]).toMatchObject({ key: "uppy/hello.txt", method: "single" });
    expect(byName["big.bin"]).toMatchObject({ key: "uppy/big.bin", method: "multipart" });
    expect(await events(page, "error")).toEqual([]);
    // Progress came in steps, not only at the end.
    const steps = (await events(page, "progress")).filter((e) => e.name === "big.bin");
    expect(steps.filter((e) => (e.detail as number) < 20 * MIB).length).toBeGreaterThan(2);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "uppy-uploaded.png") });
    const files = await until("both listed", async () => {
      const items = await listed("uppy/");
      return items.length === 2 ? items : undefined;
    });
    expect(files).toEqual([
      expect.objectContaining({ key: "uppy/big.bin", size: 20 * MIB + 4321 }),
      expect.objectContaining({ key: "uppy/hello.txt", size: 16 }),
    ]);
    await page.context().close();
  });

  it("takes its restrictions from the tenant's limits, and refuses a file over them", async () => {
    if (!stack) throw new Error("no stack");
    const admin = await stack.token({ tenant: "ops", sub: "root", scope: "tenants:admin" });
    const limited = await stack.token({ tenant: "limited", sub: "lena" });
    const put = await fetch(`${api}/tenants/limited/limits`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        maxObjectBytes: MIB,
        maxObjects: 10,
        allowedContentTypes: ["text/*"],
      }),
    });
    expect(put.status).toBe(200);
    const { page } = await open(limited);
    expect(await page.evaluate(() => harness.limits())).toMatchObject({
      maxFileSize: MIB,
      maxNumberOfFiles: 10,
      allowedFileTypes: ["text/*"],
    });
    await pick(page, await fixture("too-big.txt.bin", 2 * MIB));
    expect(
      await until("a refusal", async () => (await events(page, "restricted"))[0]),
    ).toBeTruthy();
    expect(await page.evaluate(() => harness.files().length)).toBe(0);
    await page.context().close();
  });

  it("pauses and resumes with the same intent, and after a reload sends only the missing parts", async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = await fixture("resume.bin", 20 * MIB + 99);
    const first = await open();
    await throttle(first.devtools, 8 * MIB);
    await pick(first.page, path);
    await first.page.locator(".uppy-StatusBar-actionBtn--upload").click();
    const stored = () => first.page.evaluate(() => harness.stored()[0]);
    const intent = await until("a stored part", async () => {
      const record = await stored();
      return record && record.parts.length >= 1 ? record : undefined;
    });
    // Pause: requests stop, the file says so; resume: the same intent goes on.
    await first.page.locator(".uppy-StatusBar-actionBtn--pause, [title='Pause']").first().click();
    await until("paused", async () =>
      (await first.page.evaluate(() => harness.files()[0]?.isPaused)) ? true : undefined,
    );
    const putsWhenPaused = first.puts.length;
    await first.page.waitForTimeout(500);
    expect(first.puts.length).toBe(putsWhenPaused);
    await first.page.screenshot({ path: join(SCREENSHOT_DIR, "uppy-paused.png") });
    await first.page.locator("[title='Resume']").first().click();
    await until("another part", async () => {
      const record = await stored();
      return record && record.parts.length >= 2 ? record : undefined;
    });
    // A reload in the middle of the upload: the page forgets everything but localStorage.
    await first.page.reload();
    await first.page.waitForFunction(() => "harness" in globalThis);
    const recorded = (await stored())?.parts.length ?? 0;
    expect(recorded).toBeGreaterThanOrEqual(2);
    expect((await stored())?.id).toBe(intent.id);
    // The API lists the parts S3 holds: at least those this browser recorded.
    const state = await upload(intent.id);
    expect(state.status).toBe("pending");
    const held = state.parts?.length ?? 0;
    expect(held).toBeGreaterThanOrEqual(recorded);
    expect(held).toBeLessThan(5);
    const putsBefore = first.puts.length;
    await pick(first.page, path);
    await first.page.locator(".uppy-StatusBar-actionBtn--upload").click();
    const [done] = await until("the resumed upload", async () => {
      const found = await events(first.page, "success");
      return found.length ? found : undefined;
    });
    expect(done?.detail).toMatchObject({ id: intent.id, resumed: true, method: "multipart" });
    const partPuts = first.puts.slice(putsBefore).filter((url) => url.includes("resume.bin"));
    expect(partPuts).toHaveLength(5 - held);
    expect(await until("listed", async () => (await listed("uppy/resume.bin"))[0])).toMatchObject({
      size: 20 * MIB + 99,
    });
    expect(await first.page.evaluate(() => harness.stored())).toEqual([]);
    await first.page.context().close();
  });

  it("cancels an upload: the intent is aborted through the API and nothing is listed", async () => {
    const path = await fixture("cancel.bin", 20 * MIB);
    const { page, devtools } = await open();
    await throttle(devtools, 4 * MIB);
    await pick(page, path);
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
    const id = await until("an intent", () =>
      page.evaluate(() => harness.files()[0]?.meta.filegateUploadId),
    );
    await page.locator(".uppy-Dashboard-Item-action--remove").first().click();
    expect(
      await until("aborted", async () =>
        (await uploadStatus(id)) === "aborted" ? true : undefined,
      ),
    ).toBe(true);
    expect(await page.evaluate(() => harness.stored())).toEqual([]);
    expect(await listed("uppy/cancel.bin")).toEqual([]);
    expect(await events(page, "success")).toEqual([]);
    await page.context().close();
  });

  it("tries a part again when its PUT fails on the way, and the upload completes", async () => {
    const path = await fixture("retried.bin", 17 * MIB);
    const { page, devtools, puts } = await open();
    // The first PUT of part 2 fails as a dropped connection would (DevTools' request interception).
    await devtools.send("Fetch.enable", {
      patterns: [{ urlPattern: "*partNumber=2*", requestStage: "Request" }],
    });
    let failed = 0;
    devtools.on("Fetch.requestPaused", async ({ requestId, request }) => {
      if (request.method === "PUT" && failed === 0) {
        failed++;
        await devtools.send("Fetch.failRequest", { requestId, errorReason: "ConnectionReset" });
      } else {
        await devtools.send("Fetch.continueRequest", { requestId });
      }
    });
    await pick(page, path);
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
    const [done] = await until("the upload", async () => {
      const found = await events(page, "success");
      return found.length ? found : undefined;
    });
    expect(done?.detail).toMatchObject({ key: "uppy/retried.bin", method: "multipart" });
    expect(failed).toBe(1);
    const partTwo = puts.filter(
      (url) => url.includes("retried.bin") && /partNumber=2(&|$)/.test(url),
    );
    expect(partTwo).toHaveLength(2);
    expect(await events(page, "error")).toEqual([]);
    expect(await until("listed", async () => (await listed("uppy/retried.bin"))[0])).toMatchObject({
      size: 17 * MIB,
    });
    await page.context().close();
  });
});
