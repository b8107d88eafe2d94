import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

describe("listing cursors", () => {
  it("round-trip for the tenant and prefix they were issued to", () => {
    const cursor = encodeCursor("acme", "docs/", "docs/b.txt");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, "acme", "docs/")).toBe("docs/b.txt");
  });

  it("are refused for another tenant or prefix", () => {
    const cursor = encodeCursor("acme", "docs/", "docs/b.txt");
    expect(() => decodeCursor(cursor, "globex", "docs/")).toThrow(/another tenant/);
    expect(() => decodeCursor(cursor, "acme", "")).toThrow(/another prefix/);
  });

  it("are refused when malformed or pointing outside their prefix", () => {
    const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const cursor of [
      "!!",
      "bm90IGpzb24",
      json({ v: 2, t: "acme", p: "", k: "a" }),
      json({ v: 1, t: "acme", p: "", k: "a", extra: 1 }),
      json({ v: 1, t: "acme", p: "docs/", k: "other/a" }),
      json({ v: 1, t: "acme", p: "", k: "../a" }),
    ]) {
      expect(
        () => decodeCursor(cursor, "acme", cursor.includes("ZG9jcy8") ? "docs/" : ""),
        cursor,
      ).toThrow(/Invalid cursor/);
    }
  });
});
