import { createHash } from "node:crypto";
import { API_CORS, BUCKET_CORS } from "@filegate/functions/edge";
import type { LocalStack } from "@filegate/local";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startInProcessStack } from "../helpers/in-process";
import {
  chromiumInstalled,
  launchChromium,
  openTestPage,
  requireChromium,
  type TestPage,
} from "./chromium";
import type { ApiConfig, Listing, PresignedAnswer } from "./flows";
import { type PageServer, servePage } from "./page-server";

/**
 * The other half of web-flows.test.ts: the same page against a stack whose CORS rules are
 * narrower than `edge.ts` (the API without `authorization` in its allowed headers, the bucket
 * without `x-amz-checksum-sha256`). The browser must then refuse exactly the requests that
 * need what was left out, which proves the preflights answer from the shared rules and that
 * those rules are what lets the web flows through.
 */
let browser: Browser | undefined;
let stack: LocalStack | undefined;
let server: PageServer | undefined;
let tab: TestPage;
let acme: ApiConfig;

beforeAll(async () => {
  if (!chromiumInstalled()) return; // then every test fails, saying how to install it
  browser = await launchChromium();
  stack = await startInProcessStack({
    apiCors: {
      ...API_CORS,
      allowHeaders: API_CORS.allowHeaders.filter((name) => name !== "authorization"),
    },
    bucketCors: {
      ...BUCKET_CORS,
      allowHeaders: BUCKET_CORS.allowHeaders.filter((name) => name !== "x-amz-checksum-sha256"),
    },
  });
  server = await servePage();
  tab = await openTestPage(browser, server.origin);
  acme = { api: stack.state.apiUrl, token: await stack.token({ tenant: "acme", sub: "alice" }) };
  await tab.run("origins", { api: acme.api, s3: new URL(stack.state.s3.endpoint).origin });
});
beforeEach(requireChromium);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stack?.stop();
});

interface PresignedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** Asks the API from Node, where no CORS applies. */
async function fromNode<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${acme.api}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${acme.token}`, ...init.headers },
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

describe("narrower CORS rules than edge.ts", () => {
  it("make the browser refuse an authorized API call, which the API itself would answer", async () => {
    const outcome = await tab.attempt<Listing>("list", acme);
    expect(outcome).toEqual({
      ok: false,
      error: { name: "TypeError", message: "Failed to fetch" },
    });
    // DevTools reports the refusal a moment after fetch has rejected. The API answered the
    // preflight, without `authorization` among the headers it allows.
    await expect
      .poll(() => tab.corsFailures)
      .toContainEqual({
        url: `${acme.api}/files`,
        method: "GET",
        corsError: "HeaderDisallowedByPreflightResponse",
        failedParameter: "authorization",
      });
    expect(tab.preflights).toContainEqual(
      expect.objectContaining({ url: `${acme.api}/files`, requestHeaders: ["authorization"] }),
    );

    // Not a dead API: without the header a request needs no preflight and gets its answer,
    // and the same authorized call from Node (no CORS) gets its listing.
    expect(await tab.run("anonymous", { api: acme.api })).toMatchObject({
      status: 401,
      wwwAuthenticate: "Bearer",
    });
    expect(await fromNode<{ items: unknown[] }>("/files")).toEqual({ items: [], cursor: null });
  });

  it("make the browser refuse a presigned PUT with a checksum, not one without", async () => {
    const text = "sealed by its checksum\n";
    const intent = await fromNode<{ upload: PresignedRequest }>("/uploads", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        key: "narrow/checked.txt",
        size: Buffer.byteLength(text),
        contentType: "text/plain",
        sha256: createHash("sha256").update(text).digest("base64"),
      }),
    });
    expect(intent.upload.headers).toHaveProperty("x-amz-checksum-sha256");
    const refused = await tab.attempt<PresignedAnswer>("presigned", { ...intent.upload, text });
    expect(refused).toEqual({
      ok: false,
      error: { name: "TypeError", message: "Failed to fetch" },
    });
    await expect
      .poll(() => tab.corsFailures)
      .toContainEqual({
        url: intent.upload.url,
        method: "PUT",
        corsError: "PreflightMissingAllowOriginHeader",
        failedParameter: "",
      });

    // The bucket still allows PUT and Content-Type: a plain presigned PUT goes through.
    const grant = await fromNode<PresignedRequest>("/files/narrow/plain.md", {
      method: "PUT",
      headers: { Accept: "application/json", "Content-Type": "text/markdown" },
    });
    expect(await tab.run<PresignedAnswer>("presigned", { ...grant, text })).toMatchObject({
      status: 200,
      etag: `"${createHash("md5").update(text).digest("hex")}"`,
    });
    expect(tab.corsFailures).toHaveLength(2);
    // The bucket refuses a preflight no rule allows (403, no CORS headers), as S3 does.
    const asked = (url: string) => tab.preflights.find((preflight) => preflight.url === url);
    expect(asked(intent.upload.url)).toMatchObject({
      status: 403,
      requestHeaders: ["x-amz-checksum-sha256"],
    });
    expect(asked(grant.url)).toMatchObject({ status: 200, requestHeaders: ["content-type"] });
    await tab.screenshot("cors-narrowed");
  });
});
