import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeys } from "./helpers/http";
import { checkedFetch } from "./helpers/openapi";
import { eventually, type RunningStack, startStack } from "./helpers/stack";

let stack: RunningStack;
let api: string;
let acme: Record<string, string>;
let globex: Record<string, string>;

async function upload(auth: Record<string, string>, key: string, body: string) {
  const grant = await checkedFetch(api)(`${api}/files/${key}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  expect(grant.status).toBe(200);
  const { url } = (await grant.json()) as { url: string };
  expect((await fetch(url, { method: "PUT", body: new Blob([body]) })).status).toBe(200);
}

beforeAll(async () => {
  stack = await startStack();
  api = stack.state.apiUrl;
  acme = await stack.auth("acme", "alice");
  globex = await stack.auth("globex", "mallory");
  for (let i = 0; i < 5; i++) await upload(acme, `shared/file-${i}.txt`, `acme ${i}`);
  await eventually(async () => ((await listKeys(api, acme)).length === 5 ? true : undefined));
});
afterAll(async () => {
  await stack?.stop();
});

describe("one tenant never reaches another's files", () => {
  it("answers 404 to another tenant's GET, HEAD and DELETE of an existing key", async () => {
    for (const method of ["GET", "HEAD", "DELETE"]) {
      const response = await checkedFetch(api)(`${api}/files/shared/file-0.txt`, {
        method,
        headers: globex,
        redirect: "manual",
      });
      expect(response.status, method).toBe(404);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("never lists another tenant's files, whatever the prefix", async () => {
    expect(await listKeys(api, globex)).toEqual([]);
    expect(await listKeys(api, globex, "shared/")).toEqual([]);
  });

  it("keeps a same-named upload in the uploader's own space", async () => {
    await upload(globex, "shared/file-0.txt", "globex's own");
    await eventually(async () => ((await listKeys(api, globex)).length === 1 ? true : undefined));
    const mine = await checkedFetch(api)(`${api}/files/shared/file-0.txt`, { headers: globex });
    expect(await mine.text()).toBe("globex's own");
    const theirs = await checkedFetch(api)(`${api}/files/shared/file-0.txt`, { headers: acme });
    expect(await theirs.text()).toBe("acme 0");
  });

  it("refuses a listing cursor issued to another tenant", async () => {
    const page = await checkedFetch(api)(`${api}/files?limit=2`, { headers: acme });
    const { cursor } = (await page.json()) as { cursor: string };
    expect(cursor).toEqual(expect.any(String));

    const stolen = await checkedFetch(api)(`${api}/files?limit=2&cursor=${cursor}`, {
      headers: globex,
    });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: { code: "invalid_cursor" } });

    // A cursor forged to name the caller's own tenant is refused too: cursors are sealed.
    const forged = Buffer.from(
      JSON.stringify({ v: 1, t: "globex", p: "", k: "shared/file-0.txt" }),
    ).toString("base64url");
    const forgedPage = await checkedFetch(api)(`${api}/files?cursor=${forged}`, {
      headers: globex,
    });
    expect(forgedPage.status).toBe(400);
    expect(await forgedPage.json()).toMatchObject({ error: { code: "invalid_cursor" } });
  });

  it("refuses a cursor reused with another prefix", async () => {
    const page = await checkedFetch(api)(`${api}/files?limit=1&prefix=shared/`, { headers: acme });
    const { cursor } = (await page.json()) as { cursor: string };
    const other = await checkedFetch(api)(`${api}/files?limit=1&prefix=sh&cursor=${cursor}`, {
      headers: acme,
    });
    expect(other.status).toBe(400);
  });

  it("pages through every file exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${api}/files?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await fetch(url, { headers: acme })).json()) as {
        items: { key: string }[];
        cursor: string | null;
      };
      expect(page.items.length).toBeGreaterThan(0);
      seen.push(...page.items.map((item) => item.key));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `shared/file-${i}.txt`));
  });

  it("lets a token's tenant claim, not the path, decide the tenant", async () => {
    const response = await checkedFetch(api)(`${api}/files/..%2Fglobex%2Fshared%2Ffile-0.txt`, {
      headers: acme,
      redirect: "manual",
    });
    expect(response.status).toBe(400);
    const sneaky = await checkedFetch(api)(`${api}/files/tenants%2Fglobex%2Fshared%2Ffile-0.txt`, {
      headers: acme,
      redirect: "manual",
    });
    expect(sneaky.status).toBe(404);
  });
});
