import { describe, expect, it } from "vitest";
import type { FileKey, TenantId } from "../tenancy";
import type { FileView } from "./lookup";
import { parseWait, waitForPresent } from "./wait";

describe("parseWait", () => {
  it("reads seconds, with decimals, up to ten", () => {
    expect(parseWait(undefined)).toBe(0);
    expect(parseWait("0")).toBe(0);
    expect(parseWait("2.5")).toBe(2500);
    expect(parseWait("10")).toBe(10_000);
  });
  it("refuses anything else with 400", () => {
    for (const bad of ["11", "10.5", "-1", "abc", "1e1", " 1", "0x5", "1.2345", "Infinity"]) {
      expect(() => parseWait(bad), bad).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe("waitForPresent", () => {
  const file: FileView = { key: "a", size: 1, etag: "e", contentType: "t", lastModified: "x" };
  const tenant = "acme" as TenantId;
  const key = "a" as FileKey;

  it("returns as soon as the file is there, looking less and less often", async () => {
    let looks = 0;
    const pauses: number[] = [];
    const found = await waitForPresent(
      { getPresent: async () => (++looks === 5 ? file : undefined) },
      tenant,
      key,
      5000,
      async (ms) => {
        pauses.push(ms);
      },
    );
    expect(found).toBe(file);
    expect(pauses).toEqual([25, 50, 100, 200]);
  });

  it("gives up at the deadline, having looked once more at the end", async () => {
    let looks = 0;
    const started = Date.now();
    const found = await waitForPresent(
      {
        getPresent: async () => {
          looks++;
          return undefined;
        },
      },
      tenant,
      key,
      120,
    );
    expect(found).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect(looks).toBeGreaterThanOrEqual(3);
  });
});
