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
  // Decoded once (as API Gateway does), these hold a segment that a second decoding turns into
  // a dot segment: refused like the literal ones.
  ["/files/%252e%252e/x", "'..' segment once its percent escapes are decoded"],
  ["/files/a/%252E/b", "'.' segment once its percent escapes are decoded"],
  ["/files/a/.%252E/b", "'..' segment once its percent escapes are decoded"],
  ["/files/a/%252e./b", "'..' segment once its percent escapes are decoded"],
  ["/files/a%252F..%252Fb", "'..' segment once its percent escapes are decoded"],
  ["/files/x/%252e%252E", "'..' segment once its percent escapes are decoded"],
  ["/files/%2e%2e/x", "'..' segment"],
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

  it("refuses listing prefixes that hold an encoded dot segment", async () => {
    for (const prefix of ["%252e%252e/", "a/%252E/", "a/%252e%252e%252Fb"]) {
      const response = await rawRequest(stack.state.apiUrl, "GET", `/files?prefix=${prefix}`, auth);
      expect(response.status, prefix).toBe(400);
      expect(JSON.parse(response.body).error.message, prefix).toContain("once its percent escapes");
    }
    // A partial last segment is a prefix of names, not a path step: `..` matches `..x`.
    const partial = await rawRequest(stack.state.apiUrl, "GET", "/files?prefix=a/%252e%252e", auth);
    expect(partial.status).toBe(200);
  });

  it("keeps a literal '%' that decodes to no dot segment", async () => {
    for (const [path, key] of [
      ["/files/100%25.txt", "100%.txt"],
      ["/files/50%252e5.txt", "50%2e5.txt"],
      ["/files/%252e%252e%252e", "%2e%2e%2e"],
    ]) {
      const response = await rawRequest(stack.state.apiUrl, "PUT", path as string, auth);
      expect(response.status, path).toBe(307);
      const location = new URL(String(response.headers.location));
      expect(decodeURIComponent(location.pathname), path).toBe(
        `/${stack.state.bucket}/tenants/acme/${key}`,
      );
    }
  });

  it("accepts the longest allowed key", async () => {
    const response = await rawRequest(stack.state.apiUrl, "PUT", `/files/${"x".repeat(900)}`, auth);
    expect(response.status).toBe(307);
  });
});
