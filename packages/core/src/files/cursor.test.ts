import { describe, expect, it } from "vitest";
import { newKeyringEntry, parseKeyring } from "../attest";
import { decodeCursor, encodeCursor } from "./cursor";

const keyring = parseKeyring(newKeyringEntry("k1"));

describe("listing cursors", () => {
  it("round-trip for the tenant and prefix they were issued to", () => {
    const cursor = encodeCursor(keyring, "acme", "docs/", "docs/b.txt");
    expect(cursor).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(decodeCursor(keyring, cursor, "acme", "docs/")).toBe("docs/b.txt");
  });

  it("are refused for another tenant or prefix", () => {
    const cursor = encodeCursor(keyring, "acme", "docs/", "docs/b.txt");
    expect(() => decodeCursor(keyring, cursor, "globex", "docs/")).toThrow(/another tenant/);
    expect(() => decodeCursor(keyring, cursor, "acme", "")).toThrow(/another tenant or prefix/);
  });

  it("are refused when altered in any way, malformed, or sealed under another key", () => {
    const cursor = encodeCursor(keyring, "acme", "", "b.txt");
    const [id, , mac] = cursor.split(".");
    const other = Buffer.from("a.txt").toString("base64url");
    for (const forged of [
      "!!",
      "bm90IGpzb24",
      `${id}.${other}.${mac}`,
      `${cursor}x`,
      encodeCursor(parseKeyring(newKeyringEntry("k1")), "acme", "", "b.txt"),
    ]) {
      expect(() => decodeCursor(keyring, forged, "acme", ""), forged).toThrow(/Invalid cursor/);
    }
  });

  it("need a key to be issued (503 attestation_unconfigured)", () => {
    expect(() => encodeCursor(parseKeyring(""), "acme", "", "b.txt")).toThrow(
      expect.objectContaining({ code: "attestation_unconfigured" }),
    );
  });
});
