import { describe, expect, it } from "vitest";
import { attributeEvent } from "./attribution";
import type { AuditRecord } from "./records";

const grant = (id: string, actor: string, sourceIp: string): AuditRecord => ({
  id,
  time: "2026-12-01T10:00:00.000Z",
  tenant: "acme",
  key: "a.txt",
  kind: "grant",
  action: "delete",
  actor,
  sourceIp,
});

describe("attributing an event by its evidence", () => {
  const alice = grant("g1", "alice", "203.0.113.7");
  const bob = grant("g2", "bob", "198.51.100.9");

  it("names the one grant that fits the requester's IP", () => {
    expect(attributeEvent([bob, alice], "::ffff:203.0.113.7")).toEqual({
      attribution: "recent-grant",
      grant: alice,
    });
  });

  it("names nobody when several fit, or when none was issued to that IP", () => {
    expect(attributeEvent([alice, bob], undefined)).toEqual({
      attribution: "ambiguous",
      candidates: ["g1", "g2"],
    });
    const twin = grant("g3", "carol", "203.0.113.7");
    expect(attributeEvent([alice, twin], "203.0.113.7")).toMatchObject({
      attribution: "ambiguous",
    });
    expect(attributeEvent([bob], "203.0.113.7")).toEqual({ attribution: "none" });
    expect(attributeEvent([], "203.0.113.7")).toEqual({ attribution: "none" });
  });

  it("names the only valid grant when S3 reports no IP", () => {
    expect(attributeEvent([bob], undefined)).toEqual({ attribution: "recent-grant", grant: bob });
  });
});
