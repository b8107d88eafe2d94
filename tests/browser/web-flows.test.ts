import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
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
import type {
  ApiConfig,
  IntentUpload,
  JsonDownload,
  JsonPut,
  Listed,
  Listing,
  Lookup,
  MultipartUpload,
  RedirectDownload,
  Refusal,
  Removal,
} from "./flows";
import { type PageServer, servePage } from "./page-server";

/**
 * Filegate's web flows in a real browser: headless Chromium opens a page served from a third
 * origin (neither the API's nor S3's) and runs every request with the page's own `fetch`, so
 * the API's and the bucket's CORS rules (from `edge.ts`, the ones deployed on AWS) and the
 * browser's redirect rules decide, not Node's permissive fetch.
 */
const MIB = 1024 * 1024;
let browser: Browser | undefined;
let stack: LocalStack | undefined;
let server: PageServer | undefined;
let tab: TestPage;
let acme: ApiConfig;
let s3Origin: string;

beforeAll(async () => {
  if (!chromiumInstalled()) return; // then every test fails, saying how to install it
  // Read by the handlers when they load: a 20 MB intent goes multipart, in 5 MiB parts.
  process.env.FILEGATE_MULTIPART_THRESHOLD = String(16 * MIB);
  process.env.FILEGATE_PART_SIZE = String(5 * MIB);
  browser = await launchChromium();
  stack = await startInProcessStack();
  server = await servePage();
  tab = await openTestPage(browser, server.origin);
  acme = { api: stack.state.apiUrl, token: await stack.token({ tenant: "acme", sub: "alice" }) };
  s3Origin = new URL(stack.state.s3.endpoint).origin;
  await tab.run("origins", { api: acme.api, s3: s3Origin });
});
beforeEach(requireChromium);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stack?.stop();
});

/** Uploads a file from Node (no CORS involved) and waits until the index holds it. */
async function uploadFromNode(config: ApiConfig, key: string, text: string): Promise<void> {
  const url = `${config.api}/files/${key}`;
  const authorization = { Authorization: `Bearer ${config.token}` };
  const grant = (await (
    await fetch(url, { method: "PUT", headers: { ...authorization, Accept: "application/json" } })
  ).json()) as { url: string; method: string; headers: Record<string, string> };
  const put = await fetch(grant.url, {
    method: grant.method,
    headers: grant.headers,
    body: new Blob([text]),
  });
  expect(put.status).toBe(200);
  const indexed = await fetch(`${url}?wait=5`, {
    method: "HEAD",
    headers: authorization,
  });
  expect(indexed.status).toBe(200);
}

const NOTE = "# Hello\n\nfrom a browser page\n";
const CHECKED = "checked by its SHA-256, computed with crypto.subtle\n";
const BIG_SIZE = 20 * MIB + 12_345;
let big: MultipartUpload;

describe("Filegate's web flows in Chromium, from another origin", () => {
  it("lists a tenant's files (GET /files with Authorization), and only that tenant's", async () => {
    if (!stack) throw new Error("no stack");
    const globex = { ...acme, token: await stack.token({ tenant: "globex", sub: "gina" }) };
    await uploadFromNode(acme, "seed/acme.txt", "acme's");
    await uploadFromNode(globex, "seed/globex.txt", "globex's");

    const listing = await tab.run<Listing>("list", acme);
    expect(listing.status).toBe(200);
    expect(listing.keys).toEqual(["seed/acme.txt"]);
    expect(listing.items[0]).toMatchObject({ size: 6 });
    expect((await tab.run<Listing>("list", globex)).keys).toEqual(["seed/globex.txt"]);
  });

  it("uploads with the JSON form of PUT /files/{key}, then the file is listed", async () => {
    const put = await tab.run<JsonPut>("putJson", {
      ...acme,
      key: "notes/hello.md",
      text: NOTE,
      // Not a CORS-safelisted type: the PUT to S3 is preflighted for Content-Type.
      contentType: "text/markdown",
    });
    expect(put).toMatchObject({
      grantStatus: 200,
      grant: { method: "PUT", headers: { "Content-Type": "text/markdown" }, origin: s3Origin },
      status: 200,
    });
    // S3's ETag reaches the page only because the bucket's CORS exposes it.
    expect(put.etag).toBe(`"${createHash("md5").update(NOTE).digest("hex")}"`);
    const listed = await tab.run<Listed>("listUntil", {
      ...acme,
      key: "notes/hello.md",
      present: true,
    });
    expect(listed).toMatchObject({ status: 200, listed: true });
  });

  it("uploads through an intent whose PUT carries the SHA-256 computed in the page", async () => {
    const upload = await tab.run<IntentUpload>("intentUpload", {
      ...acme,
      key: "notes/checked.txt",
      text: CHECKED,
      contentType: "text/plain",
    });
    const sha256 = createHash("sha256").update(CHECKED).digest("base64");
    expect(upload).toMatchObject({
      intentStatus: 201,
      method: "single",
      sha256,
      headers: { "x-amz-checksum-sha256": sha256 },
      status: 200,
      upload: "committed",
    });
    // Signed in: S3 (and the emulator) refuse the PUT unless it carries the header as signed.
    expect(upload.signedHeaders?.split(";")).toContain("x-amz-checksum-sha256");
    const put = tab.requests.find(
      (request) => request.method === "PUT" && request.url.includes("/notes/checked.txt?"),
    );
    expect(put?.headers["x-amz-checksum-sha256"]).toBe(sha256);
    expect(
      (await tab.run<Listed>("listUntil", { ...acme, key: "notes/checked.txt", present: true }))
        .listed,
    ).toBe(true);
  });

  it("uploads 20 MB in parts sent in parallel, with each part's ETag read from S3", async () => {
    big = await tab.run<MultipartUpload>("multipart", {
      ...acme,
      key: "media/big.bin",
      size: BIG_SIZE,
      contentType: "application/octet-stream",
    });
    expect(big).toMatchObject({
      intentStatus: 201,
      method: "multipart",
      partSize: 5 * MIB,
      partCount: 5,
      completeStatus: 200,
      completed: { key: "media/big.bin", size: BIG_SIZE },
      upload: "committed",
      size: BIG_SIZE,
    });
    expect(big.parts.map((part) => part.status)).toEqual([200, 200, 200, 200, 200]);
    for (const part of big.parts) expect(part.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(big.mostInFlight).toBe(5);
    // Sent at once on the wire too: the parts' answers came on different connections.
    const partPuts = tab.requests.filter(
      (request) => request.method === "PUT" && request.url.includes("/media/big.bin?"),
    );
    expect(partPuts).toHaveLength(5);
    expect(new Set(partPuts.map((request) => request.connectionId)).size).toBeGreaterThan(1);
    expect(
      (await tab.run<Listed>("listUntil", { ...acme, key: "media/big.bin", present: true })).listed,
    ).toBe(true);
  });

  it("downloads by the JSON form and by following the 307, with the bytes uploaded", async () => {
    const note = { size: NOTE.length, text: NOTE };
    expect(
      await tab.run<JsonDownload>("downloadJson", { ...acme, key: "notes/hello.md" }),
    ).toMatchObject({ grantStatus: 200, status: 200, ...note });
    expect(
      await tab.run<RedirectDownload>("downloadRedirect", { ...acme, key: "notes/hello.md" }),
    ).toMatchObject({ status: 200, redirected: true, origin: s3Origin, ...note });

    const bigContents = { size: BIG_SIZE, sha256: big.sha256 };
    expect(
      await tab.run<JsonDownload>("downloadJson", { ...acme, key: "media/big.bin" }),
    ).toMatchObject({ status: 200, ...bigContents });
    expect(
      await tab.run<RedirectDownload>("downloadRedirect", { ...acme, key: "media/big.bin" }),
    ).toMatchObject({ status: 200, redirected: true, origin: s3Origin, ...bigContents });

    // On the wire: the token went to the API and not on to S3, which saw `Origin: null` (the
    // browser's rule for a redirect from one foreign origin to another).
    const redirected = tab.requests.filter((request) => request.redirectedFrom);
    expect(redirected.map((request) => new URL(request.url).origin)).toEqual([s3Origin, s3Origin]);
    for (const request of redirected) {
      expect(new URL(request.redirectedFrom ?? "").origin).toBe(acme.api);
      const hops = tab.wire.filter((hop) => hop.id === request.id);
      expect(hops.map((hop) => `http://${hop.headers.host}`)).toEqual([acme.api, s3Origin]);
      expect(hops[0]?.headers.authorization).toBe(`Bearer ${acme.token}`);
      expect(hops[1]?.headers).not.toHaveProperty("authorization");
      expect(hops[1]?.headers.origin).toBe("null");
    }
  });

  it("deletes by the JSON form and by the 307; the files leave the list and answer 404", async () => {
    expect(
      await tab.run<Removal>("remove", { ...acme, key: "notes/hello.md", via: "json" }),
    ).toEqual({ grantStatus: 200, status: 204, origin: s3Origin });
    expect(
      await tab.run<Removal>("remove", { ...acme, key: "notes/checked.txt", via: "redirect" }),
    ).toEqual({ status: 204, redirected: true, origin: s3Origin });

    for (const key of ["notes/hello.md", "notes/checked.txt"]) {
      const gone = await tab.run<Listed>("listUntil", { ...acme, key, present: false });
      expect(gone).toMatchObject({ status: 200, listed: false });
      expect(await tab.run<Lookup>("lookup", { ...acme, key })).toEqual({
        status: 404,
        code: "not_found",
      });
    }
    expect((await tab.run<Listing>("list", acme)).keys).toEqual(["media/big.bin", "seed/acme.txt"]);
  });

  it("lets the page read a 401's status and WWW-Authenticate header", async () => {
    const refusal = await tab.run<Refusal>("badToken", { api: acme.api });
    expect(refusal.status).toBe(401);
    expect(refusal.wwwAuthenticate).toMatch(/^Bearer/);
    // Only JSON: the body's shape is API Gateway's own on AWS.
    expect(refusal.json).toBe(true);
  });

  it("had every non-simple request preflighted and allowed, by the API and by the bucket", () => {
    const asked = (origin: string, method: string, headers: string[]) =>
      tab.preflights.filter(
        (preflight) =>
          new URL(preflight.url).origin === origin &&
          preflight.requestMethod === method &&
          headers.every((header) => preflight.requestHeaders.includes(header)),
      );
    for (const method of ["GET", "PUT", "DELETE"]) {
      expect(asked(acme.api, method, ["authorization"]).length, method).toBeGreaterThan(0);
    }
    expect(asked(acme.api, "POST", ["authorization", "content-type"]).length).toBeGreaterThan(0);
    expect(asked(s3Origin, "PUT", ["content-type"])).toHaveLength(1);
    expect(asked(s3Origin, "PUT", ["x-amz-checksum-sha256"])).toHaveLength(1);
    expect(asked(s3Origin, "PUT", []).length).toBeGreaterThanOrEqual(2 + 5); // + the parts
    const deletes = asked(s3Origin, "DELETE", []);
    expect(deletes.map((preflight) => preflight.origin)).toEqual([server?.origin, "null"]);
    for (const preflight of tab.preflights) {
      expect(preflight.status, preflight.url).toBeGreaterThanOrEqual(200);
      expect(preflight.status, preflight.url).toBeLessThan(300);
    }
    expect(tab.corsFailures).toEqual([]);
  });

  it("shows a log of what happened on the page (screenshot in tests/browser/.screenshots)", async () => {
    const lines = await tab.page.locator("#log li").allTextContents();
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(await tab.page.locator("#log li.fail").count()).toBe(0);
    const file = await tab.screenshot("web-flows");
    expect((await stat(file)).size).toBeGreaterThan(10_000);
  });
});
