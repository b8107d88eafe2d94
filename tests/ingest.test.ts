import { TenantAccounts } from "@filegate/core/accounts";
import { AuditLog } from "@filegate/core/audit";
import { EventCommitter, ingestRecord, type S3EventRecord } from "@filegate/core/events";
import { FileIndex } from "@filegate/core/files";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { UploadIntents } from "@filegate/core/uploads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable } from "./helpers/table";

let table: Awaited<ReturnType<typeof startTestTable>>;
let index: FileIndex;
let audit: AuditLog;
let accounts: TenantAccounts;
let intents: UploadIntents;
let commits: EventCommitter;
const BUCKET = "bucket";
const contentTypes = new Map<string, string>();
// These tests are about ordering: every object that arrives is admitted. Verification has
// its own tests (tests/uploads.test.ts).
const deps = () => ({
  commits,
  audit,
  accounts,
  intents,
  verify: async () => ({ admitted: true }),
  bucket: BUCKET,
  describeObject: async (objectKey: string) => {
    // S3 as seen right after the event: the object is there, with its content type.
    const contentType = contentTypes.get(objectKey) ?? "application/octet-stream";
    return { contentType, etag: '"etag"', metadata: {} };
  },
});

beforeAll(async () => {
  table = await startTestTable();
  index = new FileIndex({
    client: table.doc,
    tableName: table.tableName,
    tombstoneTtlSeconds: 86_400,
  });
  audit = new AuditLog({ client: table.doc, tableName: table.tableName, retentionSeconds: 86_400 });
  const defaults = {
    maxObjectBytes: 1e12,
    maxBytes: null,
    maxObjects: null,
    allowedContentTypes: ["*/*"],
  };
  accounts = new TenantAccounts({ client: table.doc, tableName: table.tableName, defaults });
  intents = new UploadIntents({
    client: table.doc,
    tableName: table.tableName,
    retentionSeconds: 86_400,
  });
  commits = new EventCommitter({
    client: table.doc,
    tableName: table.tableName,
    journal: audit,
    accounts,
    tombstoneTtlSeconds: 86_400,
  });
});
afterAll(async () => {
  await table?.stop();
});

function record(
  eventName: string,
  key: string,
  sequencer: string,
  extra: Partial<S3EventRecord["s3"]["object"]> = {},
): S3EventRecord {
  return {
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: "2026-11-20T10:00:00.000Z",
    eventName,
    s3: { bucket: { name: BUCKET }, object: { key, sequencer, size: 10, eTag: "etag", ...extra } },
  };
}

const created = (key: string, seq: string, size = 10) =>
  record("ObjectCreated:Put", `tenants/acme/${key}`, seq, { size });
const removed = (key: string, seq: string) =>
  record("ObjectRemoved:Delete", `tenants/acme/${key}`, seq, {});
const state = (key: string) => index.get("acme" as TenantId, key as FileKey);

describe("event ingestion", () => {
  it("applies a create, then treats its duplicate as a no-op", async () => {
    expect((await ingestRecord(created("a.txt", "0A"), deps())).outcome).toBe("applied");
    const before = await state("a.txt");
    expect((await ingestRecord(created("a.txt", "0A"), deps())).outcome).toBe("duplicate");
    expect(await state("a.txt")).toEqual(before);
  });

  it("orders by sequencer, not arrival: an older overwrite arriving late is stale", async () => {
    await ingestRecord(created("b.txt", "20", 200), deps());
    const late = await ingestRecord(created("b.txt", "1F", 100), deps());
    expect(late.outcome).toBe("stale");
    expect((await state("b.txt"))?.size).toBe(200);
  });

  it("compares sequencers of different lengths as numbers (zero-padded on the left)", async () => {
    await ingestRecord(created("c.txt", "FF", 1), deps());
    expect((await ingestRecord(created("c.txt", "100", 2), deps())).outcome).toBe("applied");
    expect((await ingestRecord(created("c.txt", "00FF", 3), deps())).outcome).toBe("stale");
    expect((await ingestRecord(created("c.txt", "0100", 4), deps())).outcome).toBe("duplicate");
    expect((await state("c.txt"))?.size).toBe(2);
  });

  it("leaves a tombstone that a late, older create cannot resurrect", async () => {
    await ingestRecord(created("d.txt", "10"), deps());
    expect((await ingestRecord(removed("d.txt", "12"), deps())).outcome).toBe("applied");
    expect((await ingestRecord(created("d.txt", "11"), deps())).outcome).toBe("stale");
    const item = await state("d.txt");
    expect(item).toMatchObject({ state: "deleted", seq: expect.stringMatching(/12$/) });
    expect(item?.gsi1pk).toBeUndefined();
    expect(item?.prevState).toBe("present");
    expect(item?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await index.list("acme" as TenantId, { prefix: "d.txt" })).items).toEqual([]);
  });

  it("records a delete that arrives before its create", async () => {
    expect((await ingestRecord(removed("e.txt", "31"), deps())).outcome).toBe("applied");
    expect((await ingestRecord(created("e.txt", "30"), deps())).outcome).toBe("stale");
    expect((await state("e.txt"))?.state).toBe("deleted");
    expect((await ingestRecord(created("e.txt", "32"), deps())).outcome).toBe("applied");
    expect((await state("e.txt"))?.state).toBe("present");
  });

  it("takes the content type from S3 when it describes the same object", async () => {
    contentTypes.set("tenants/acme/f.png", "image/png");
    await ingestRecord(created("f.png", "40"), deps());
    expect((await state("f.png"))?.contentType).toBe("image/png");
    await ingestRecord(created("g.bin", "41"), deps());
    expect((await state("g.bin"))?.contentType).toBe("application/octet-stream");
  });

  it("skips other buckets, other event types and keys outside the layout", async () => {
    const other = {
      ...created("h.txt", "50"),
      s3: { ...created("h.txt", "50").s3, bucket: { name: "other" } },
    };
    expect((await ingestRecord(other, deps())).outcome).toBe("skipped");
    expect(
      (await ingestRecord(record("ObjectRestore:Completed", "tenants/acme/h.txt", "51"), deps()))
        .outcome,
    ).toBe("skipped");
    for (const key of [
      "elsewhere/h.txt",
      "tenants/acme",
      "tenants/bad tenant/h.txt",
      "tenants/acme/a//b",
      "tenants/acme/../x",
    ]) {
      expect(
        (await ingestRecord(record("ObjectCreated:Put", key, "52"), deps())).outcome,
        key,
      ).toBe("skipped");
    }
    expect(await state("h.txt")).toBeUndefined();
  });

  it("decodes keys the way S3 encodes them", async () => {
    const result = await ingestRecord(
      record("ObjectCreated:Put", "tenants/acme/a+b%2Bc%25d%C3%A9", "60"),
      deps(),
    );
    expect(result.key).toBe("a b+c%dé");
  });

  it("throws on a record it cannot read, so that it is retried and dead-lettered", async () => {
    await expect(ingestRecord(created("i.txt", "xyz"), deps())).rejects.toThrow(/sequencer/);
    await expect(
      ingestRecord(record("ObjectCreated:Put", "tenants/acme/%E0%A4%A", "70"), deps()),
    ).rejects.toThrow();
  });
});

describe("usage accounting", () => {
  it("moves a tenant's usage once per event, whatever the redeliveries", async () => {
    const usage = () => accounts.usage("acme");
    const before = await usage();
    await ingestRecord(created("u.txt", "80", 100), deps());
    await ingestRecord(created("u.txt", "80", 100), deps());
    expect((await usage()).used).toEqual({
      bytes: before.used.bytes + 100,
      objects: before.used.objects + 1,
    });
    await ingestRecord(created("u.txt", "81", 30), deps());
    expect((await usage()).used).toEqual({
      bytes: before.used.bytes + 30,
      objects: before.used.objects + 1,
    });
    await ingestRecord(removed("u.txt", "82"), deps());
    await ingestRecord(removed("u.txt", "82"), deps());
    await ingestRecord(created("u.txt", "7F", 500), deps());
    expect((await usage()).used).toEqual(before.used);
  });
});
