import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Where screenshots of the test page go (git-ignored). */
export const SCREENSHOT_DIR = join(import.meta.dirname, ".screenshots");

/** True when the Chromium the tests drive is installed. */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Throws, saying how to install it, when Chromium is missing. Run it before each test: every
 * test then fails (a failing `beforeAll` would only mark them skipped), since a suite that
 * skips without a browser proves nothing in CI.
 */
export function requireChromium(): void {
  if (!chromiumInstalled()) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need it: install Debian's ` +
        "package with `apt-get install chromium` (.ci/run does), or set CHROMIUM_PATH.",
    );
  }
}

/**
 * Headless Chromium as the tests run it: no sandbox (CI runs as root), and none of Chromium's
 * own background traffic, whose connections to a closed network would pile up.
 */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A request the browser sent, with the headers DevTools saw on it (names lower case). */
export interface SentRequest {
  /** DevTools' id: a request and the requests its redirects led to share it. */
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Set on the request a redirect led to. */
  redirectedFrom?: string;
  /** The connection its answer came on (once answered). */
  connectionId?: number;
}

/** A CORS preflight the browser sent, as DevTools saw it. */
export interface Preflight {
  url: string;
  /** The `Origin` it carried: the page's, or `null` after a redirect to a third origin. */
  origin: string;
  /** `Access-Control-Request-Method` and `-Headers` (lower case) the browser asked about. */
  requestMethod: string;
  requestHeaders: string[];
  status: number;
}

/** A request the browser refused on CORS grounds (`fetch` rejected with a TypeError). */
export interface CorsFailure {
  url: string;
  method: string;
  /** Chromium's reason, e.g. `HeaderDisallowedByPreflightResponse`, and what it was about. */
  corsError: string;
  failedParameter: string;
}

/** A flow's outcome as the page reports it. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: { name: string; message: string } };

/** What the test page offers (`page/flows.js`). */
interface PageGlobals {
  filegate: { run(name: string, config: object): Promise<Outcome<unknown>> };
}

export interface TestPage {
  page: Page;
  /** Every request the page sent, redirects and preflights included. */
  requests: SentRequest[];
  /** The headers of every request as they went on the wire (`host` says where), by request id. */
  wire: { id: string; headers: Record<string, string> }[];
  /** Every preflight so far, in the order they were answered. */
  preflights: Preflight[];
  corsFailures: CorsFailure[];
  /** Runs a flow of the page; resolves with its outcome, never rejects for the flow's errors. */
  attempt<T>(name: string, config: object): Promise<Outcome<T>>;
  /** Runs a flow of the page and resolves with its value; rejects when the flow failed. */
  run<T>(name: string, config: object): Promise<T>;
  /** Writes a PNG of the whole page to {@link SCREENSHOT_DIR}; resolves with its path. */
  screenshot(name: string): Promise<string>;
}

/**
 * Opens the test page at `origin` in a fresh browser context, recording through the DevTools
 * protocol the preflights and CORS refusals that page events do not show.
 */
export async function openTestPage(browser: Browser, origin: string): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  const sent = new Map<string, SentRequest>();
  const requests: SentRequest[] = [];
  const preflights: Preflight[] = [];
  const corsFailures: CorsFailure[] = [];
  const wire: TestPage["wire"] = [];
  devtools.on("Network.requestWillBeSentExtraInfo", ({ requestId, headers }) => {
    wire.push({ id: requestId, headers: lowerCaseNames(headers) });
  });
  devtools.on("Network.requestWillBeSent", ({ requestId, request, redirectResponse }) => {
    const headers = lowerCaseNames(request.headers);
    const entry: SentRequest = {
      id: requestId,
      url: request.url,
      method: request.method,
      headers,
      ...(redirectResponse ? { redirectedFrom: redirectResponse.url } : {}),
    };
    sent.set(requestId, entry);
    requests.push(entry);
  });
  devtools.on("Network.responseReceived", ({ requestId, type, response }) => {
    const request = sent.get(requestId);
    if (!request) return;
    if (type !== "Preflight") {
      request.connectionId = response.connectionId;
      return;
    }
    const header = (name: string) => request.headers[name] ?? "";
    preflights.push({
      url: response.url,
      origin: header("origin"),
      requestMethod: header("access-control-request-method"),
      requestHeaders: header("access-control-request-headers")
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
      status: response.status,
    });
  });
  devtools.on("Network.loadingFailed", ({ requestId, corsErrorStatus }) => {
    const request = sent.get(requestId);
    if (!corsErrorStatus || !request) return;
    corsFailures.push({ url: request.url, method: request.method, ...corsErrorStatus });
  });
  await devtools.send("Network.enable");
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => "filegate" in globalThis);

  const attempt = <T>(name: string, config: object) =>
    page.evaluate(
      ([name, config]) => (globalThis as unknown as PageGlobals).filegate.run(name, config),
      [name, config] as const,
    ) as Promise<Outcome<T>>;
  return {
    page,
    requests,
    wire,
    preflights,
    corsFailures,
    attempt,
    async run<T>(name: string, config: object) {
      const outcome = await attempt<T>(name, config);
      if (!outcome.ok) {
        throw new Error(
          `${name} failed in the page: ${outcome.error.name}: ${outcome.error.message}`,
        );
      }
      return outcome.value;
    },
    async screenshot(name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
}

function lowerCaseNames(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
}
