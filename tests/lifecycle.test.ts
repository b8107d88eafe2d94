import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyPath, listKeys } from "./helpers/http";
import { checkedFetch } from "./helpers/openapi";
import { eventually, type RunningStack, run, startStack } from "./helpers/stack";

let stack: RunningStack;
let api: string;
let bearer: string;

beforeAll(async () => {
  stack = await startStack();
  api = stack.state.apiUrl;
  bearer = `Authorization: Bearer ${await stack.token("acme", "alice")}`;
});
afterAll(async () => {
  await stack?.stop();
});

async function curl(...args: string[]) {
  return run("curl", ["-sS", ...args]);
}

/** Waits until the index lists `key` (S3 events are asynchronous). */
async function indexed(key: string) {
  const auth = await stack.auth("acme", "alice");
  await eventually(async () => ((await listKeys(api, auth)).includes(key) ? true : undefined));
}

describe("the file lifecycle through curl", () => {
  it("uploads, lists, downloads, heads, deletes and lists again", async () => {
    const file = join(tmpdir(), `filegate-${process.pid}-hello.txt`);
    await writeFile(file, "hello, filegate\n");
    const url = `${api}/files/${keyPath("notes/hello.txt")}`;

    const put = await curl(
      "-L",
      "-T",
      file,
      "-H",
      bearer,
      "-H",
      "Content-Type: text/plain",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{num_redirects}",
      url,
    );
    expect(put.stdout).toBe("200 1");

    await indexed("notes/hello.txt");
    const list = await curl("-H", bearer, `${api}/files`);
    const page = JSON.parse(list.stdout);
    expect(page.items).toEqual([
      expect.objectContaining({ key: "notes/hello.txt", size: 16, contentType: "text/plain" }),
    ]);
    expect(page.cursor).toBeNull();

    const get = await curl("-L", "-H", bearer, url);
    expect(get.stdout).toBe("hello, filegate\n");

    const head = await curl("-I", "-H", bearer, url);
    expect(head.stdout).toMatch(/^HTTP\/1.1 200/);
    expect(head.stdout).toMatch(/content-length: 16\r\n/i);
    expect(head.stdout).toMatch(/content-type: text\/plain\r\n/i);
    expect(head.stdout).toMatch(/etag: "[0-9a-f]{32}"\r\n/i);
    expect(head.stdout).toMatch(/last-modified: \w{3}, \d\d \w{3} \d{4} /i);

    const del = await curl(
      "-L",
      "-X",
      "DELETE",
      "-H",
      bearer,
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      url,
    );
    expect(del.stdout).toBe("204");

    const auth = await stack.auth("acme", "alice");
    await eventually(async () => ((await listKeys(api, auth)).length === 0 ? true : undefined));
    const after = await curl("-o", "/dev/null", "-w", "%{http_code}", "-H", bearer, url);
    expect(after.stdout).toBe("404");
  });

  it("answers redirects with Location and Cache-Control: no-store", async () => {
    const response = await checkedFetch(api)(`${api}/files/a.txt`, {
      method: "PUT",
      headers: { Authorization: bearer.slice("Authorization: ".length) },
      redirect: "manual",
    });
    expect(response.status).toBe(307);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("location")).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/filegate-local\/tenants\/acme\/a\.txt\?/,
    );
  });
});

describe("the JSON form", () => {
  it("gives {url, method, headers, expiresAt} that a client can use for upload and download", async () => {
    const auth = await stack.auth("acme", "alice");
    const ask = await checkedFetch(api)(`${api}/files/${keyPath("json/data.json")}`, {
      method: "PUT",
      headers: { ...auth, Accept: "application/json", "Content-Type": "application/json" },
    });
    expect(ask.status).toBe(200);
    const grant = (await ask.json()) as {
      url: string;
      method: string;
      headers: Record<string, string>;
      expiresAt: string;
    };
    expect(grant.method).toBe("PUT");
    expect(grant.headers).toEqual({ "Content-Type": "application/json" });
    const expiresIn = Date.parse(grant.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(200_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);

    const upload = await fetch(grant.url, {
      method: grant.method,
      headers: grant.headers,
      body: new Blob(['{"a":1}']),
    });
    expect(upload.status).toBe(200);
    await indexed("json/data.json");

    const download = await checkedFetch(api)(`${api}/files/json/data.json`, {
      headers: { ...auth, Accept: "application/json" },
    });
    const get = (await download.json()) as { url: string; method: string };
    expect(get.method).toBe("GET");
    expect(await (await fetch(get.url)).text()).toBe('{"a":1}');
  });

  it("refuses an upload whose Content-Type differs from the signed one", async () => {
    const auth = await stack.auth("acme", "alice");
    const ask = await checkedFetch(api)(`${api}/files/typed.txt`, {
      method: "PUT",
      headers: { ...auth, Accept: "application/json", "Content-Type": "text/plain" },
    });
    const grant = (await ask.json()) as { url: string };
    const upload = await fetch(grant.url, {
      method: "PUT",
      headers: { "Content-Type": "text/html" },
      body: new Blob(["<script>"]),
    });
    expect(upload.status).toBe(403);
  });
});

describe("create-only uploads (If-None-Match: *)", () => {
  it("creates once, then answers 412 from the API", async () => {
    const auth = await stack.auth("acme", "alice");
    const url = `${api}/files/once.txt`;
    const first = await curl(
      "-L",
      "-T",
      "-",
      "-H",
      bearer,
      "-H",
      "If-None-Match: *",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      url,
    );
    expect(first.stdout).toBe("200");
    await indexed("once.txt");

    const second = await fetch(url, {
      method: "PUT",
      headers: { ...auth, "If-None-Match": "*" },
      redirect: "manual",
    });
    expect(second.status).toBe(412);
    expect(await second.json()).toMatchObject({ error: { code: "precondition_failed" } });
  });

  it("signs If-None-Match into the URL, so storage refuses a create that lost a race", async () => {
    const auth = await stack.auth("acme", "alice");
    const ask = await checkedFetch(api)(`${api}/files/race.txt`, {
      method: "PUT",
      headers: { ...auth, Accept: "application/json", "If-None-Match": "*" },
    });
    const grant = (await ask.json()) as { url: string; headers: Record<string, string> };
    expect(grant.headers).toEqual({ "If-None-Match": "*" });
    expect(new URL(grant.url).searchParams.get("X-Amz-SignedHeaders")).toBe("host;if-none-match");

    // Another upload lands between the grant and its use.
    const other = await checkedFetch(api)(`${api}/files/race.txt`, {
      method: "PUT",
      headers: { ...auth, Accept: "application/json" },
    });
    const otherGrant = (await other.json()) as { url: string };
    expect((await fetch(otherGrant.url, { method: "PUT", body: new Blob(["first"]) })).status).toBe(
      200,
    );

    const late = await fetch(grant.url, {
      method: "PUT",
      headers: grant.headers,
      body: new Blob(["second"]),
    });
    expect(late.status).toBe(412);
    // Dropping the signed header does not get around it either.
    const stripped = await fetch(grant.url, { method: "PUT", body: new Blob(["second"]) });
    expect(stripped.status).toBe(403);
  });

  it("rejects If-None-Match values other than *", async () => {
    const auth = await stack.auth("acme", "alice");
    const response = await checkedFetch(api)(`${api}/files/x.txt`, {
      method: "PUT",
      headers: { ...auth, "If-None-Match": '"abc"' },
      redirect: "manual",
    });
    expect(response.status).toBe(400);
  });
});

describe("routes and errors", () => {
  it("answers an unsupported method with 405 and Allow", async () => {
    const auth = await stack.auth("acme", "alice");
    const onFile = await checkedFetch(api)(`${api}/files/a.txt`, { method: "POST", headers: auth });
    expect(onFile.status).toBe(405);
    expect(onFile.headers.get("allow")).toBe("GET, HEAD, PUT, DELETE");
    expect(await onFile.json()).toMatchObject({
      error: { code: "method_not_allowed" },
      requestId: expect.any(String),
    });

    const onList = await checkedFetch(api)(`${api}/files`, { method: "DELETE", headers: auth });
    expect(onList.status).toBe(405);
    expect(onList.headers.get("allow")).toBe("GET");
  });

  it("answers 404 for a file the tenant does not hold, with a JSON error", async () => {
    const auth = await stack.auth("acme", "alice");
    for (const method of ["GET", "DELETE"]) {
      const response = await checkedFetch(api)(`${api}/files/missing.txt`, {
        method,
        headers: auth,
        redirect: "manual",
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: "not_found", message: "No such file" },
        requestId: expect.any(String),
      });
    }
    const head = await checkedFetch(api)(`${api}/files/missing.txt`, {
      method: "HEAD",
      headers: auth,
    });
    expect(head.status).toBe(404);
  });

  it("validates list parameters", async () => {
    const auth = await stack.auth("acme", "alice");
    for (const query of [
      "limit=0",
      "limit=1001",
      "limit=abc",
      "prefix=%2Fabs",
      "prefix=a%2F..%2F",
      "cursor=%21%21",
    ]) {
      const response = await checkedFetch(api)(`${api}/files?${query}`, { headers: auth });
      expect(response.status, query).toBe(400);
    }
  });
});
