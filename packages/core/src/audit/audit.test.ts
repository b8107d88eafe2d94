import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { newKeyringEntry, parseKeyring } from "../attest";
import { ALL_LOG_SHARDS, auditIndexKeys, shardHash, TENANT_LOG_SHARDS } from "../table";
import { AuditJournal, RECORDED_CANDIDATES } from "./journal";
import { decodeAuditCursor, encodeAuditCursor, parseAuditQuery } from "./query";
import { actionOfEvent, eventRecordId, newGrantId, timeOfGrantId } from "./records";

const caller = { tenant: "acme", scopes: new Set<string>() };
const operator = { tenant: "ops", scopes: new Set(["audit:read:all"]) };

describe("audit ids", () => {
  it("carry the grant's issue time", () => {
    const at = new Date("2026-11-25T10:11:12.345Z");
    const id = newGrantId(at);
    expect(id).toMatch(/^g[0-9a-f]{27}$/);
    expect(timeOfGrantId(id)).toBe(at.toISOString());
    expect(newGrantId(at)).not.toBe(id);
    expect(timeOfGrantId("e0123")).toBeUndefined();
  });

  it("make the same S3 event map to the same record", () => {
    const a = eventRecordId("b", "tenants/acme/x", "0A", "ObjectCreated:Put");
    expect(a).toMatch(/^e[0-9a-f]{27}$/);
    expect(eventRecordId("b", "tenants/acme/x", "0A", "ObjectCreated:Put")).toBe(a);
    expect(eventRecordId("b", "tenants/acme/x", "0B", "ObjectCreated:Put")).not.toBe(a);
  });

  it("name the action of an S3 event", () => {
    expect(actionOfEvent("ObjectCreated:CompleteMultipartUpload")).toBe("write");
    expect(actionOfEvent("ObjectRemoved:DeleteMarkerCreated")).toBe("delete");
    expect(actionOfEvent("ObjectRestore:Post")).toBeUndefined();
  });
});

describe("write sharding", () => {
  it("spreads records over every shard of both logs", () => {
    const tenantShards = new Set<string>();
    const allShards = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const keys = auditIndexKeys("acme", "2026-11-25T00:00:00.000Z", newGrantId(new Date(i)));
      tenantShards.add(keys.gsi2pk);
      allShards.add(keys.gsi3pk);
    }
    expect(tenantShards.size).toBe(TENANT_LOG_SHARDS);
    expect(allShards.size).toBe(ALL_LOG_SHARDS);
  });

  it("is stable for an id", () => {
    expect(shardHash("g0123")).toBe(shardHash("g0123"));
  });
});

describe("parseAuditQuery", () => {
  it("defaults to the caller's tenant, everything, 100 a page", () => {
    const query = parseAuditQuery({}, caller);
    expect(query).toMatchObject({ scope: { tenant: "acme" }, limit: 100 });
    expect(query.from < query.to).toBe(true);
  });

  it("normalises times to UTC with milliseconds", () => {
    const query = parseAuditQuery(
      { from: "2026-11-25T10:00:00+01:00", to: "2026-11-25T12:00:00Z" },
      caller,
    );
    expect(query.from).toBe("2026-11-25T09:00:00.000Z");
    expect(query.to).toBe("2026-11-25T12:00:00.000Z");
  });

  it("needs audit:read:all for any tenant= parameter", () => {
    for (const tenant of ["acme", "globex", "*"]) {
      expect(() => parseAuditQuery({ tenant }, caller), tenant).toThrow(
        expect.objectContaining({ status: 403 }),
      );
    }
    expect(parseAuditQuery({ tenant: "*" }, operator).scope).toEqual({ tenant: "*" });
    expect(parseAuditQuery({ tenant: "globex" }, operator).scope).toEqual({ tenant: "globex" });
  });

  it("refuses bad parameters with 400", () => {
    for (const params of [
      { from: "yesterday" },
      { action: "steal" },
      { limit: "0" },
      { limit: "1001" },
      { key: "a//b" },
      { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" },
    ]) {
      expect(() => parseAuditQuery(params, caller), JSON.stringify(params)).toThrow(
        expect.objectContaining({ status: 400 }),
      );
    }
    expect(() => parseAuditQuery({ tenant: "*", key: "a" }, operator)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe("audit cursors", () => {
  const position = `2026-11-25T10:00:00.000Z#${newGrantId(new Date())}`;
  const keys = parseKeyring(newKeyringEntry("k1"));

  it("round-trip for the same query", () => {
    const query = parseAuditQuery({ actor: "alice" }, caller);
    expect(decodeAuditCursor(keys, query, encodeAuditCursor(keys, query, position))).toBe(position);
  });

  it("are refused for another tenant or other filters", () => {
    const query = parseAuditQuery({ actor: "alice" }, caller);
    const cursor = encodeAuditCursor(keys, query, position);
    expect(() =>
      decodeAuditCursor(
        keys,
        parseAuditQuery({ actor: "alice" }, { ...caller, tenant: "globex" }),
        cursor,
      ),
    ).toThrow(/another tenant or query/);
    expect(() =>
      decodeAuditCursor(keys, parseAuditQuery({ actor: "bob" }, caller), cursor),
    ).toThrow(/another tenant or query/);
    expect(() => decodeAuditCursor(keys, query, "!!")).toThrow(/malformed/);
  });

  it("are refused when altered, sealed under another key, or outside the query's range", () => {
    const query = parseAuditQuery({ from: "2026-11-25T00:00:00Z" }, caller);
    const cursor = encodeAuditCursor(keys, query, position);
    const [id, , mac] = cursor.split(".");
    const moved = Buffer.from(`1999-01-01T00:00:00.000Z#${"a".repeat(28)}`).toString("base64url");
    for (const forged of [
      `${id}.${moved}.${mac}`,
      `${cursor}A`,
      encodeAuditCursor(parseKeyring(newKeyringEntry("k1")), query, position),
    ]) {
      expect(() => decodeAuditCursor(keys, query, forged)).toThrow(/Invalid cursor/);
    }
    const early = encodeAuditCursor(keys, query, `2026-11-24T00:00:00.000Z#${"a".repeat(28)}`);
    expect(() => decodeAuditCursor(keys, query, early)).toThrow(/malformed/);
  });

  it("refuse dates beyond year 9999 once moved to UTC", () => {
    expect(() => parseAuditQuery({ from: "9999-12-31T23:59:59-23:59" }, caller)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    expect(parseAuditQuery({ to: "9999-12-31T23:59:59Z" }, caller).to).toBe(
      "9999-12-31T23:59:59.000Z",
    );
  });
});

describe("an ambiguous event's record", () => {
  it("lists the newest candidates only, so that a hot file's records stay one write unit", () => {
    const client = {} as DynamoDBDocumentClient;
    const journal = new AuditJournal({ client, tableName: "t", retentionSeconds: 3600 });
    const candidates = Array.from({ length: 20 }, (_, i) => newGrantId(new Date(20 - i)));
    const item = journal.eventItem({
      id: eventRecordId("b", "tenants/acme/x", "0A", "ObjectRemoved:Delete"),
      tenant: "acme",
      key: "x",
      action: "delete",
      event: "ObjectRemoved:Delete",
      eventTime: "2026-11-25T10:11:12.345Z",
      sequencer: "0A",
      stale: false,
      attribution: "ambiguous",
      candidates,
    });
    expect(item.candidates).toEqual(candidates.slice(0, RECORDED_CANDIDATES));
    expect(RECORDED_CANDIDATES).toBeLessThan(candidates.length);
  });
});
