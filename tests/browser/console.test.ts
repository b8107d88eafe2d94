import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Filegate } from "@filegate/client";
import { buildConsole } from "@filegate/console/build";
import type { LocalStack } from "@filegate/local";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startInProcessStack } from "../helpers/in-process";
import { chromiumInstalled, launchChromium, requireChromium, SCREENSHOT_DIR } from "./chromium";

/**
 * The web console in Chromium, served by the local stack from its own origin (as CloudFront
 * serves it on AWS), so every API call it makes crosses origins under the API's CORS rules.
 * Each feature is driven through the page as a person would, mostly by keyboard and labels.
 */
let browser: Browser | undefined;
let stack: LocalStack | undefined;
let page: Page;
let dev: Filegate;

async function shot(name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `console-${name}.png`), fullPage: true });
}

function row(key: string) {
  return page.locator("section.files tbody tr", {
    has: page.getByRole("rowheader", { name: key, exact: true }),
  });
}

beforeAll(async () => {
  if (!chromiumInstalled()) return;
  browser = await launchChromium();
  stack = await startInProcessStack();
  dev = new Filegate({ baseUrl: stack.state.apiUrl, token: stack.state.devToken });
  const bob = new Filegate({
    baseUrl: stack.state.apiUrl,
    token: await stack.token({ tenant: "dev", sub: "bob" }),
  });
  for (let i = 1; i <= 12; i++) {
    const name = `docs/a${String(i).padStart(2, "0")}.txt`;
    await dev.upload(name, new Blob([`file ${i}\n`]), { contentType: "text/plain", wait: true });
  }
  await bob.upload("notes/bob.txt", new Blob(["bob's\n"]), {
    contentType: "text/plain",
    wait: true,
  });
  const context = await browser.newContext({
    viewport: { width: 1200, height: 800 },
    acceptDownloads: true,
  });
  page = await context.newPage();
}, 120_000);
beforeEach(requireChromium);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the web console, in Chromium against the local stack", () => {
  it("is served from its own origin, refuses a bad token and signs in with the dev token", async () => {
    if (!stack) throw new Error("no stack");
    const { consoleUrl, apiUrl } = stack.state;
    expect(new URL(consoleUrl).origin).not.toBe(new URL(apiUrl).origin);
    expect(new URL(consoleUrl).pathname).toBe("/console/");
    await page.goto(consoleUrl);
    const field = page.getByLabel("Bearer token");
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await field.fill("not.a.token");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter"); // the Sign in button, reached by keyboard
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toMatch(/refused this token/);
    await shot("signin-refused");
    await page.getByRole("button", { name: "Use the local dev token" }).click();
    await expect
      .poll(() => page.locator("header .who").textContent())
      .toBe("Tenant dev · developer");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Filegate");
  });

  it("labels every field and names every button", async () => {
    const unnamed = await page.evaluate(() => [
      ...[...document.querySelectorAll("input, select, textarea")]
        .filter(
          (el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute("aria-label"),
        )
        .map((el) => el.outerHTML),
      ...[...document.querySelectorAll("button")]
        .filter((el) => !(el.textContent ?? "").trim() && !el.getAttribute("aria-label"))
        .map((el) => el.outerHTML),
    ]);
    expect(unnamed).toEqual([]);
  });

  it("browses by prefix, a page at a time", async () => {
    await page.getByLabel("Prefix").fill("docs/");
    await page.getByLabel("Per page").selectOption("10");
    await page.getByLabel("Prefix").press("Enter");
    await expect.poll(() => page.locator("section.files tbody tr").count()).toBe(10);
    expect(await page.locator("section.files caption").textContent()).toBe("Files under “docs/”");
    const next = page.getByRole("button", { name: "Next page" });
    await next.focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator("section.files tbody th").allTextContents())
      .toEqual(["docs/a11.txt", "docs/a12.txt"]);
    expect(await next.isDisabled()).toBe(true);
    await shot("browse-page-2");
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect
      .poll(() => page.locator("section.files tbody th").first().textContent())
      .toBe("docs/a01.txt");
    // One page for what follows.
    await page.getByLabel("Per page").selectOption("25");
    await page.getByRole("button", { name: "Browse" }).click();
    await expect.poll(() => page.locator("section.files tbody tr").count()).toBe(12);
  });

  it("uploads a dropped file through the Uppy plugin, with progress, and lists it", async () => {
    const devtools = await page.context().newCDPSession(page);
    await devtools.send("Network.enable");
    // Slow enough to see progress between 0 and 100 %.
    await devtools.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024,
    });
    const seen = page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const values: number[] = [];
          const observer = new MutationObserver(() => {
            const bar = document.querySelector<HTMLProgressElement>("ul.uploads progress");
            if (bar) values.push(bar.value);
            if (bar?.value === 100) {
              observer.disconnect();
              resolve(values);
            }
          });
          observer.observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            characterData: true,
          });
        }),
    );
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      const bytes = new Uint8Array(3 * 1024 * 1024).fill(7);
      transfer.items.add(new File([bytes], "dropped.bin", { type: "application/octet-stream" }));
      const zone = document.querySelector("[data-testid=dropzone]") as HTMLElement;
      zone.dispatchEvent(
        new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    });
    await expect.poll(() => page.locator("ul.uploads li").textContent()).toMatch(/dropped\.bin/);
    await shot("upload-in-progress");
    const values = await seen;
    expect(values.some((value) => value > 0 && value < 100)).toBe(true);
    await devtools.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await expect.poll(() => row("docs/dropped.bin").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByRole("status").textContent()).toBe("Uploaded docs/dropped.bin");
    expect((await dev.head("docs/dropped.bin")).size).toBe(3 * 1024 * 1024);
  });

  it("downloads a file with the bytes stored", async () => {
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download docs/a01.txt" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("a01.txt");
    const stream = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("file 1\n");
  });

  it("shows a file's history in a dialog, closed with Escape", async () => {
    await page.getByRole("button", { name: "History of docs/dropped.bin" }).click();
    const dialog = page.getByRole("dialog", { name: "History of docs/dropped.bin" });
    await expect
      .poll(() => dialog.locator("tbody tr").allTextContents())
      .toEqual([
        expect.stringMatching(/grant write.*developer/),
        expect.stringMatching(/event write.*developer.*3\.1 MB.*admitted/),
      ]);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Close");
    await shot("history");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it("deletes a file only once confirmed", async () => {
    await page.getByRole("button", { name: "Delete docs/a02.txt" }).click();
    const question = page.getByRole("dialog");
    expect(await question.textContent()).toMatch(/Delete docs\/a02\.txt\?/);
    // The safe answer has the focus: Enter cancels.
    await page.keyboard.press("Enter");
    expect(await row("docs/a02.txt").count()).toBe(1);
    expect((await dev.head("docs/a02.txt")).key).toBe("docs/a02.txt");
    await page.getByRole("button", { name: "Delete docs/a02.txt" }).click();
    await shot("delete-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => row("docs/a02.txt").count()).toBe(0);
    expect(await page.getByRole("status").textContent()).toBe("Deleted docs/a02.txt");
    await expect(dev.head("docs/a02.txt")).rejects.toMatchObject({ status: 404 });
  });

  it("shows usage against the tenant's quota as bars", async () => {
    if (!stack) throw new Error("no stack");
    const admin = await stack.token({ tenant: "ops", sub: "root", scope: "tenants:admin" });
    const limits = await fetch(`${stack.state.apiUrl}/tenants/dev/limits`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
      body: JSON.stringify({ maxBytes: 4_000_000, maxObjects: 100 }),
    });
    expect(limits.status).toBe(200);
    await page.reload();
    const usage = await dev.usage();
    const bytes = page.getByRole("meter", { name: "Storage" });
    await expect.poll(() => bytes.getAttribute("aria-valuenow")).toBe(String(usage.used.bytes));
    expect(await bytes.getAttribute("aria-valuemax")).toBe("4000000");
    expect(await page.getByRole("meter", { name: "Files" }).getAttribute("aria-valuenow")).toBe(
      String(usage.used.objects),
    );
    await shot("usage");
  });

  it("searches the audit trail by actor and time", async () => {
    const audit = page.locator("section.audit");
    await page.getByLabel("Actor").fill("bob");
    await audit.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => audit.locator("tbody tr").count()).toBeGreaterThan(0);
    const who = await audit.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(new Set(who)).toEqual(new Set(["bob"]));
    expect(await audit.locator("tbody tr td:nth-child(5)").allTextContents()).toContain(
      "notes/bob.txt",
    );
    await shot("audit");
    await page.getByLabel("From").fill("2099-01-01T00:00:00");
    await audit.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => audit.locator("[aria-live]").textContent()).toBe("0 records");
  });

  it("shows webhooks only when the API has the route", async () => {
    if (!stack) throw new Error("no stack");
    const answer = await fetch(`${stack.state.apiUrl}/webhooks`, {
      headers: { Authorization: `Bearer ${stack.state.devToken}` },
    });
    const section = page.locator("section.webhooks");
    if (answer.status === 404) expect(await section.isHidden()).toBe(true);
    else await expect.poll(() => section.isVisible()).toBe(true);
  });

  it("is small: four files on first load, its script and styles under 40 KB gzipped", async () => {
    if (!stack || !browser) throw new Error("no stack");
    const files = await buildConsole();
    const bundles = Object.entries(files).filter(([name]) => /\.(js|css)$/.test(name));
    const min = bundles.reduce((sum, [, file]) => sum + file.body.byteLength, 0);
    const gzip = bundles.reduce((sum, [, file]) => sum + gzipSync(file.body).byteLength, 0);
    expect(gzip).toBeLessThan(40 * 1024);
    // First load in a fresh browser (nothing cached), signed in: until the files are listed.
    const context = await browser.newContext();
    const token = stack.state.devToken;
    await context.addInitScript((value) => {
      sessionStorage.setItem("filegate-console:token", value);
    }, token);
    const fresh = await context.newPage();
    const fetched: string[] = [];
    fresh.on("request", (request) => {
      if (request.url().startsWith(new URL(stack?.state.consoleUrl ?? "").origin)) {
        fetched.push(new URL(request.url()).pathname);
      }
    });
    const started = Date.now();
    await fresh.goto(stack.state.consoleUrl);
    await fresh.locator("section.files tbody th").first().waitFor();
    const listed = Date.now() - started;
    const timing = await fresh.evaluate(() => {
      const [nav] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return {
        domContentLoaded: nav?.domContentLoadedEventEnd,
        firstContentfulPaint: paint?.startTime,
      };
    });
    expect(fetched.sort()).toEqual(
      ["/console/", "/console/config.json", ...bundles.map(([name]) => `/console/${name}`)].sort(),
    );
    const report = { minBytes: min, gzipBytes: gzip, firstLoad: { ...timing, listedMs: listed } };
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await writeFile(
      join(SCREENSHOT_DIR, "console-load.json"),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log("console first load", report);
    await context.close();
  });
});
