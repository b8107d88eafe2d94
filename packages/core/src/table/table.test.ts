import { describe, expect, it } from "vitest";
import { normalizeSequencer, SEQUENCER_WIDTH } from "./index";

describe("normalizeSequencer", () => {
  it("orders as numbers once padded", () => {
    const ordered = [
      "0",
      "FF",
      "00100",
      "0055AED6DCD90281E5",
      "55AED6DCD90281E6",
      "1000000000000000000",
    ];
    const normalized = ordered.map(normalizeSequencer);
    expect([...normalized].sort()).toEqual(normalized);
    expect(normalized.every((s) => s.length === SEQUENCER_WIDTH)).toBe(true);
  });
  it("treats case and leading zeros as the same sequencer", () => {
    expect(normalizeSequencer("00ab")).toBe(normalizeSequencer("AB"));
  });
  it("refuses what is not a hex sequencer", () => {
    for (const bad of ["", "xyz", "12 34", "-1", "F".repeat(49)])
      expect(() => normalizeSequencer(bad), bad).toThrow(RangeError);
  });
});
