import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeEventKey, encodeEventKey, parseNotification } from "./notification";

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "../../../../tests/fixtures", name), "utf8");

describe("parseNotification", () => {
  it("reads the records of an S3 notification", () => {
    const parsed = parseNotification(fixture("s3-put-event.json"));
    expect(parsed.kind).toBe("records");
    if (parsed.kind !== "records") return;
    expect(parsed.records[0]?.s3.object).toMatchObject({
      size: 1024,
      sequencer: "0055AED6DCD90281E5",
    });
  });

  it("recognises the test event S3 sends when notifications are configured", () => {
    expect(parseNotification(fixture("s3-test-event.json"))).toEqual({ kind: "test" });
  });

  it("throws on anything else", () => {
    for (const body of [
      "",
      "nope",
      "{}",
      '{"Records":[]}',
      '{"Records":[{"eventSource":"aws:sqs"}]}',
    ]) {
      expect(() => parseNotification(body), body).toThrow();
    }
  });
});

describe("event key encoding", () => {
  it("decodes '+' as a space and percent escapes as UTF-8", () => {
    expect(decodeEventKey("tenants/acme/a+b%2Bc%25d%C3%A9")).toBe("tenants/acme/a b+c%dé");
  });
  it("encodes the way S3 does, so decoding restores every key", () => {
    for (const key of ["a b+c%d", "dir/ünï/日本 語+%2B.txt", "(x)!*'~"]) {
      const encoded = encodeEventKey(key);
      expect(encoded).not.toContain(" ");
      expect(decodeEventKey(encoded)).toBe(key);
    }
    expect(encodeEventKey("a/b c")).toBe("a/b+c");
  });
});
