import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeys } from "./helpers/http";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

let stack: RunningStack;
let api: string;
let auth: Record<string, string>;

async function grant(method: string, key: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api}/files/${key}`, {
    method,
    headers: { ...auth, ...headers, Accept: "application/json" },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    url: string;
    method: string;
    headers: Record<string, string>;
    expiresAt: string;
  };
}

beforeAll(async () => {
  stack = await startStack({ env: { FILEGATE_PRESIGN_EXPIRES: "3" } });
  api = stack.state.apiUrl;
  auth = await stack.auth("acme", "alice");
  const put = await grant("PUT", "secret.txt");
  expect((await fetch(put.url, { method: "PUT", body: new Blob(["top secret"]) })).status).toBe(
    200,
  );
  const other = await stack.auth("globex", "bob");
  const theirs = await fetch(`${api}/files/theirs.txt`, {
    method: "PUT",
    headers: { ...other, Accept: "application/json" },
  });
  const { url } = (await theirs.json()) as { url: string };
  expect((await fetch(url, { method: "PUT", body: new Blob(["globex data"]) })).status).toBe(200);
  await eventually(async () =>
    (await listKeys(api, auth)).includes("secret.txt") ? true : undefined,
  );
});
afterAll(async () => {
  await stack?.stop();
});

describe("presigned URLs", () => {
  it("work as issued", async () => {
    const { url } = await grant("GET", "secret.txt");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("top secret");
  });

  it("are refused by storage when tampered with", async () => {
    const { url } = await grant("GET", "secret.txt");
    const signature = new URL(url).searchParams.get("X-Amz-Signature") as string;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const tampered = [
      url.replace(signature, flipped),
      url.replace("/tenants/acme/secret.txt", "/tenants/globex/theirs.txt"),
      url.replace("X-Amz-Expires=3", "X-Amz-Expires=604800"),
    ];
    for (const candidate of tampered) {
      const response = await fetch(candidate);
      expect(response.status, candidate).toBe(403);
      expect(await response.text()).toMatch(/SignatureDoesNotMatch/);
    }
    // A GET grant does not delete.
    expect((await fetch(url, { method: "DELETE" })).status).toBe(403);
  });

  it("expire after the configured lifetime", async () => {
    const { url, expiresAt } = await grant("GET", "secret.txt");
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(3000);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/Request has expired/);
  });

  it("carry no checksum of an empty body in PUT URLs, and no checksum mode in GET URLs", async () => {
    const put = new URL((await grant("PUT", "new.txt")).url);
    const names = [...put.searchParams.keys()].map((name) => name.toLowerCase());
    expect(names.filter((name) => name.includes("checksum"))).toEqual([]);
    expect(names).not.toContain("x-amz-sdk-checksum-algorithm");
    expect(put.searchParams.get("X-Amz-SignedHeaders")).toBe("host");

    const get = new URL((await grant("GET", "secret.txt")).url);
    expect([...get.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });

  it("sign the Content-Type the client sent", async () => {
    const put = await grant("PUT", "typed.txt", { "Content-Type": "text/csv; charset=utf-8" });
    expect(new URL(put.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(put.headers).toEqual({ "Content-Type": "text/csv; charset=utf-8" });
    const missing = await fetch(put.url, { method: "PUT", body: new Blob(["a,b"]) });
    expect(missing.status).toBe(403);
    const ok = await fetch(put.url, {
      method: "PUT",
      headers: put.headers,
      body: new Blob(["a,b"]),
    });
    expect(ok.status).toBe(200);
  });
});
