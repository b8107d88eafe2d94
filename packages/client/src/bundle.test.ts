import { join } from "node:path";
import { createContext, runInContext } from "node:vm";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeFilegate, startFakeFilegate } from "./testing/fake-filegate";

/**
 * The client must bundle for browsers as it is: nothing from `node:` at module scope (file
 * paths load Node's modules lazily, behind specifiers bundlers do not follow), and it must
 * work where there is no `process`: the bundle runs here in a context holding only what a
 * browser offers.
 */
async function bundle(format: "esm" | "iife") {
  return build({
    entryPoints: [join(import.meta.dirname, "index.ts")],
    bundle: true,
    platform: "browser",
    format,
    globalName: format === "iife" ? "FilegateClient" : undefined,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
}

let fake: FakeFilegate;
beforeAll(async () => {
  fake = await startFakeFilegate({ intents: "single" });
});
afterAll(async () => {
  await fake?.close();
});

describe("the browser bundle", () => {
  it("builds for the browser platform without Node built-ins", async () => {
    const result = await bundle("esm");
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith("client.ts"))).toBe(true);
    expect(inputs.filter((input) => input.includes("node_modules"))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    expect(imports.filter((i) => i.path.startsWith("node:") || i.external)).toEqual([]);
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).not.toMatch(/\bfrom\s*["']node:|\brequire\(/);
    expect(code).toMatch(/\bFilegate = class\b/);
  });

  it("uploads a Blob where there is no process, and refuses file paths there", async () => {
    const code = (await bundle("iife")).outputFiles[0]?.text ?? "";
    const browser = createContext({
      ...{ fetch, Blob, Headers, Request, Response, ReadableStream, TransformStream },
      ...{ TextEncoder, TextDecoder, URL, URLSearchParams, AbortController, setTimeout },
      clearTimeout,
    });
    runInContext(code, browser);
    const { Filegate } = browser.FilegateClient as typeof import("./index");
    expect(runInContext("typeof process", browser)).toBe("undefined");

    const client = new Filegate({ baseUrl: fake.url, token: "t0ken" });
    const events: number[] = [];
    const result = await client.upload("b.txt", new Blob(["from a browser"]), {
      contentType: "text/plain",
      onProgress: (p) => events.push(p.loaded),
    });
    expect(result.method).toBe("single");
    expect(fake.object().toString()).toBe("from a browser");
    expect(events).toEqual([0, 14]); // without streaming bodies, only start and end are known
    await expect(client.upload("c.txt", { path: "/etc/hostname" })).rejects.toMatchObject({
      code: "node_only",
    });
  });
});
