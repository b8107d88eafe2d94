import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeys, isBucketName, isStorableKey, listPage, Sequencer, SortedKeys } from "./keys";

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe("compareKeys", () => {
  it("orders keys by their UTF-8 bytes, as S3 lists them", () => {
    expect(compareKeys("\u{1F600}", "\uFFFD")).toBeGreaterThan(0);
    expect(compareKeys("a.", "a/")).toBeLessThan(0);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(utf8Order(a, b)));
      }),
    );
  });
});

describe("key and bucket rules", () => {
  it("take 1 to 1,024 bytes of UTF-8, dot segments included", () => {
    expect(isStorableKey("../a/./b")).toBe(true);
    expect(isStorableKey("é".repeat(512))).toBe(true);
    expect(isStorableKey(`${"é".repeat(512)}x`)).toBe(false);
    expect(isStorableKey("")).toBe(false);
  });

  it("never take a bucket name that could name another folder", () => {
    for (const name of ["..", ".", "a/b", "../x", "ab", "a..b", "-ab", "Bucket"]) {
      expect(isBucketName(name), name).toBe(false);
    }
    expect(isBucketName("filegate-local")).toBe(true);
  });
});

describe("listPage", () => {
  const keys = SortedKeys.from(["p/a/1", "p/a/2", "p/b", "p/c/1", "q"]).all;

  it("counts common prefixes with keys against maxKeys and resumes after either", () => {
    const query = { prefix: "p/", delimiter: "/", startAfter: "", maxKeys: 1 };
    const seen: string[] = [];
    let page = listPage(keys, query);
    for (;;) {
      seen.push(...page.keys, ...page.commonPrefixes);
      if (!page.isTruncated) break;
      page = listPage(keys, { ...query, startAfter: page.nextMarker as string });
    }
    expect(seen).toEqual(["p/a/", "p/b", "p/c/"]);
  });

  it("lists every key of a prefix once, in order, whatever the page size", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: fc.constantFrom("a", "b", "/", ".", "é") }), {
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 5 }),
        (all, maxKeys) => {
          const sorted = SortedKeys.from(all).all;
          const listed: string[] = [];
          let startAfter = "";
          for (;;) {
            const page = listPage(sorted, { prefix: "", delimiter: "", startAfter, maxKeys });
            listed.push(...page.keys);
            if (!page.isTruncated) break;
            startAfter = page.nextMarker as string;
          }
          expect(listed).toEqual(all.filter((key) => key !== "").sort(utf8Order));
        },
      ),
    );
  });
});

describe("Sequencer", () => {
  it("hands out strictly increasing sequencers within one millisecond and after a restart", () => {
    const first = new Sequencer(() => 1_700_000_000_000);
    const a = first.next();
    const b = first.next();
    expect(BigInt(`0x${b}`)).toBe(BigInt(`0x${a}`) + 1n);
    const restarted = new Sequencer(() => 1_700_000_000_000);
    restarted.observe(b);
    expect(BigInt(`0x${restarted.next()}`)).toBeGreaterThan(BigInt(`0x${b}`));
  });
});
