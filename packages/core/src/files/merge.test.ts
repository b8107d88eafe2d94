import { describe, expect, it } from "vitest";
import { compareUtf8, mergeSorted, type Source } from "./merge";

/** A sorted source over `keys`, `size` a page, counting the pages it was asked for. */
function source(keys: string[], size: number) {
  const reads: number[] = [];
  const read: Source<{ key: string }> = async (start) => {
    const at = (start?.at as number | undefined) ?? 0;
    reads.push(at);
    const items = keys.slice(at, at + size).map((key) => ({ key }));
    const next = at + size < keys.length ? { at: at + size } : undefined;
    return { items, next };
  };
  return { read, reads };
}

describe("mergeSorted", () => {
  it("merges sorted sources in order, up to the count", async () => {
    const a = source(["a", "d", "g", "j"], 2);
    const b = source(["b", "e", "h"], 2);
    const c = source(["c", "f"], 2);
    const merged = await mergeSorted([a.read, b.read, c.read], (i) => i.key, 7);
    expect(merged.map((i) => i.key)).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("reads a source's next page only once the merge has used what it gave", async () => {
    const busy = source(["a", "b", "c", "d", "e", "f"], 2);
    const idle = source(["x", "y", "z"], 2);
    const merged = await mergeSorted([busy.read, idle.read], (i) => i.key, 5);
    expect(merged.map((i) => i.key)).toEqual(["a", "b", "c", "d", "e"]);
    expect(busy.reads).toEqual([0, 2, 4]);
    expect(idle.reads).toEqual([0]);
  });

  it("stops when every source is exhausted, and reads past empty pages", async () => {
    const empty: Source<{ key: string }> = async (start) =>
      start ? { items: [{ key: "m" }] } : { items: [], next: { at: 1 } };
    const merged = await mergeSorted([empty, source(["a", "z"], 5).read], (i) => i.key, 10);
    expect(merged.map((i) => i.key)).toEqual(["a", "m", "z"]);
  });

  it("orders keys by their UTF-8 bytes, as DynamoDB does", () => {
    // U+FF01 is one UTF-16 unit above the surrogates of U+1F600, but below it in UTF-8.
    expect(compareUtf8("\uFF01", "\u{1F600}")).toBeLessThan(0);
    expect("\uFF01" < "\u{1F600}").toBe(false);
    expect(compareUtf8("a", "a")).toBe(0);
  });
});
