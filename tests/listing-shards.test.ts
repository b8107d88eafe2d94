import { newKeyringEntry, parseKeyring } from "@filegate/core/attest";
import { compareUtf8, FileIndex } from "@filegate/core/files";
import { FILES_SHARDS, filesShardOf, normalizeSequencer } from "@filegate/core/table";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable } from "./helpers/table";

// A tenant's listing is spread over several partitions of the `files` index (by a hash of
// the key); a page merges them. These tests page through tenants whose keys fall in every
// shard and check what a single partition gave for free: key order, cursors, isolation.

let table: Awaited<ReturnType<typeof startTestTable>>;
let index: FileIndex;
let sequencer = 0x1000;

const ACME = "acme" as TenantId;
const GLOBEX = "globex" as TenantId;
// Keys whose UTF-16 order differs from their UTF-8 order (DynamoDB's): an astral character
// sorts before U+FF01 in UTF-16 and after it in UTF-8.
const ODD = ["zz/\u{1F600}.png", "zz/\uFF01.txt", "zz/e\u0301.txt", "zz/\u00E9.txt", "zz/Z.txt"];
const acmeKeys = [
  ...Array.from({ length: 60 }, (_, i) => `docs/${String(i).padStart(3, "0")}.pdf`),
  ...Array.from({ length: 37 }, (_, i) => `photos/${i}.jpg`),
  "a.txt",
  "docs.txt",
  ...ODD,
];
const globexKeys = ["a.txt", "docs/000.pdf", "docs/secret.pdf", "zz/Z.txt"];

async function upload(tenant: TenantId, key: string) {
  await index.applyCreated({
    tenant,
    key: key as FileKey,
    seq: normalizeSequencer((sequencer++).toString(16)),
    size: 10,
    etag: "e",
    contentType: "text/plain",
    eventTime: new Date().toISOString(),
  });
}

async function pageThrough(tenant: TenantId, prefix: string, limit: number) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await index.list(tenant, { prefix, limit, cursor });
    pages.push(page.items.map((item) => item.key));
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return pages;
}

const sorted = (keys: string[]) => [...keys].sort(compareUtf8);

beforeAll(async () => {
  table = await startTestTable();
  index = new FileIndex({
    client: table.doc,
    tableName: table.tableName,
    tombstoneTtlSeconds: 60,
    cursorKeys: parseKeyring(newKeyringEntry("listing")),
  });
  for (const key of acmeKeys) await upload(ACME, key);
  for (const key of globexKeys) await upload(GLOBEX, key);
});

afterAll(() => table?.stop());

describe("a listing spread over shards", () => {
  it("puts a tenant's keys in every shard", () => {
    const shards = new Set(acmeKeys.map(filesShardOf));
    expect(shards.size).toBe(FILES_SHARDS);
  });

  it("pages through every key once, in DynamoDB's key order, pages full but the last", async () => {
    for (const limit of [1, 7, 10, 100, 1000]) {
      const pages = await pageThrough(ACME, "", limit);
      expect(pages.flat(), `limit ${limit}`).toEqual(sorted(acmeKeys));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      expect(pages.at(-1)?.length).toBeGreaterThan(0);
    }
  });

  it("pages through a prefix in key order", async () => {
    const pages = await pageThrough(ACME, "docs/", 9);
    expect(pages.flat()).toEqual(sorted(acmeKeys.filter((k) => k.startsWith("docs/"))));
    expect((await pageThrough(ACME, "zz/", 2)).flat()).toEqual(sorted(ODD));
  });

  it("continues from a cursor whose key has been deleted since", async () => {
    const first = await index.list(ACME, { prefix: "photos/", limit: 5 });
    const last = first.items.at(-1)?.key as FileKey;
    await index.applyRemoved({
      tenant: ACME,
      key: last,
      seq: normalizeSequencer((sequencer++).toString(16)),
      eventTime: new Date().toISOString(),
    });
    const next = await index.list(ACME, {
      prefix: "photos/",
      limit: 5,
      cursor: first.cursor ?? undefined,
    });
    const expected = sorted(acmeKeys.filter((k) => k.startsWith("photos/")));
    expect(next.items.map((i) => i.key)).toEqual(expected.slice(5, 10));
    await upload(ACME, last);
  });

  it("keeps tenants apart: own keys only, and another tenant's cursor is refused", async () => {
    expect((await pageThrough(GLOBEX, "", 2)).flat()).toEqual(sorted(globexKeys));
    const acmePage = await index.list(ACME, { limit: 3 });
    await expect(
      index.list(GLOBEX, { limit: 3, cursor: acmePage.cursor ?? undefined }),
    ).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it("counts a tenant's files over every shard, and finds every tenant", async () => {
    expect(await index.totals(ACME)).toEqual({
      bytes: 10 * acmeKeys.length,
      objects: acmeKeys.length,
    });
    expect(await index.tenantsWithFiles()).toEqual(["acme", "globex"]);
  });
});
