import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyPath, listKeys, rawRequest } from "./helpers/http";
import { eventually, type RunningStack, run, startStack } from "./helpers/stack";

let stack: RunningStack;
let auth: Record<string, string>;

beforeAll(async () => {
  stack = await startStack();
  auth = await stack.auth("acme", "alice");
});
afterAll(async () => {
  await stack?.stop();
});

const ODD_KEYS = [
  "my file.txt",
  "a+b.txt",
  "100% done.txt",
  "literal%2Bescape.txt",
  "plus+and space+.txt",
  "ünïcödé/日本語/файл.txt",
  "emoji 🎉.txt",
  "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/deep.txt",
  "punctuation (1) [2] {3} !$&'*,;=@~.txt",
  "dot.in.name/.hidden/..not-a-dot-segment",
];

describe("keys round-trip through the API, S3 and its events", () => {
  it("uploads odd keys with curl and finds each exactly in the index, S3 and back", async () => {
    const bearer = `Authorization: Bearer ${await stack.token("acme", "alice")}`;
    for (const [i, key] of ODD_KEYS.entries()) {
      const file = join(tmpdir(), `filegate-key-${process.pid}-${i}`);
      await writeFile(file, `content of ${key}`);
      const put = await run("curl", [
        "-sS",
        "-L",
        "-T",
        file,
        "-H",
        bearer,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${stack.state.apiUrl}/files/${keyPath(key)}`,
      ]);
      expect(put.stdout, key).toBe("200");
    }

    const listed = await eventually(async () => {
      const keys = await listKeys(stack.state.apiUrl, auth);
      return keys.length === ODD_KEYS.length ? keys : undefined;
    });
    expect(listed).toEqual([...ODD_KEYS].sort());

    for (const key of ODD_KEYS) {
      const get = await run("curl", [
        "-sS",
        "-L",
        "-H",
        bearer,
        `${stack.state.apiUrl}/files/${keyPath(key)}`,
      ]);
      expect(get.stdout, key).toBe(`content of ${key}`);
    }

    const deep = await fetch(`${stack.state.apiUrl}/files?prefix=${encodeURIComponent("a/b/c/")}`, {
      headers: auth,
    });
    expect(((await deep.json()) as { items: { key: string }[] }).items.map((i) => i.key)).toEqual([
      "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/deep.txt",
    ]);
  });
});

// Raw paths, sent byte for byte: fetch and curl would normalise dot segments away.
const BAD_PATHS: Array<[string, string]> = [
  ["/files/a/../b", "'..' segment"],
  ["/files/a/%2e%2e/b", "'..' segment"],
  ["/files/%2E%2E", "'..' segment"],
  ["/files/a%2f..%2fb", "'..' segment"],
  ["/files/./a", "'.' segment"],
  ["/files/a//b", "empty segment"],
  ["/files//etc/passwd", "starts with '/'"],
  ["/files/%2Fetc", "starts with '/'"],
  ["/files/dir/", "ends with '/'"],
  ["/files/", "empty"],
  ["/files/a%00b", "control character"],
  ["/files/a%0Ab", "control character"],
  ["/files/a%7Fb", "control character"],
  ["/files/a%C2%85b", "control character"],
  ["/files/%ff%fe", "not valid UTF-8"],
  ["/files/%ED%A0%80", "not valid UTF-8"],
  ["/files/a%zzb", "malformed percent escape"],
  ["/files/a%4", "malformed percent escape"],
  [`/files/${"x".repeat(901)}`, "longer than 900 bytes"],
  [`/files/${"%C3%A9".repeat(451)}`, "longer than 900 bytes"],
];

describe("bad keys are refused before anything is signed", () => {
  for (const method of ["GET", "HEAD", "PUT", "DELETE"]) {
    it(`answers 400 with a reason on ${method}`, async () => {
      for (const [path, reason] of BAD_PATHS) {
        const response = await rawRequest(stack.state.apiUrl, method, path, auth);
        expect(response.status, `${method} ${path}`).toBe(400);
        expect(response.headers.location, path).toBeUndefined();
        if (method !== "HEAD") {
          const body = JSON.parse(response.body);
          expect(body.error.code, path).toBe("invalid_key");
          expect(body.error.message, path).toContain(reason);
        }
      }
    });
  }

  it("accepts the longest allowed key", async () => {
    const response = await rawRequest(stack.state.apiUrl, "PUT", `/files/${"x".repeat(900)}`, auth);
    expect(response.status).toBe(307);
  });
});
