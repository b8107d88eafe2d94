import { describe, expect, it } from "vitest";
import { FilegateError } from "../errors";
import {
  type FileKey,
  isValidKey,
  isValidTenant,
  keyProblem,
  MAX_KEY_BYTES,
  mustBeValidKey,
  objectKeyFor,
  parseObjectKey,
  percentDecode,
  prefixProblem,
  type TenantId,
} from "./index";

describe("keyProblem", () => {
  it.each([
    ["a.txt"],
    ["dir/sub/file name.txt"],
    ["ünïcödé/日本語"],
    ["a+b%20c"],
    ["100%.txt"],
    ["%2e%2e%2e"],
    ["a%2e.b"],
    ["%25%2e%2e"],
    [".hidden"],
    ["..double-dot-prefix"],
    ["x".repeat(MAX_KEY_BYTES)],
  ])("accepts %j", (key) => {
    expect(keyProblem(key)).toBeUndefined();
    expect(isValidKey(key)).toBe(true);
  });

  it.each([
    ["", "empty"],
    ["/abs", "starts with '/'"],
    ["dir/", "ends with '/'"],
    ["a//b", "empty segment"],
    ["a/./b", "'.' segment"],
    ["..", "'..' segment"],
    ["a/../b", "'..' segment"],
    ["tab\there", "control character"],
    ["nul\u0000", "control character"],
    ["del\u007f", "control character"],
    ["c1\u0085", "control character"],
    ["lone\ud800surrogate", "not valid UTF-8"],
    ["é".repeat(451), "longer than 900 bytes"],
    ["%2e%2e", "'..' segment once its percent escapes are decoded"],
    ["a/%2E/b", "'.' segment once its percent escapes are decoded"],
    ["a/.%2e", "'..' segment once its percent escapes are decoded"],
    ["a%2F..%2Fb", "'..' segment once its percent escapes are decoded"],
    ["..%2fx", "'..' segment once its percent escapes are decoded"],
  ])("refuses %j (%s)", (key, reason) => {
    expect(keyProblem(key)).toContain(reason);
    expect(() => mustBeValidKey(key)).toThrow(FilegateError);
  });
});

describe("prefixProblem", () => {
  it("accepts empty, partial and slash-terminated prefixes", () => {
    for (const prefix of ["", "ph", "photos/", "photos/20", "a/.hid", "a/..b", "a/%2e%2e", "%2e"]) {
      expect(prefixProblem(prefix), prefix).toBeUndefined();
    }
  });
  it("refuses dot segments, empty segments, leading slashes and control characters", () => {
    for (const prefix of ["/a", "a//", "a/../", "./", "a\nb", "%2e%2e/", "a/%2E/x", "%2e%2e%2Fx"]) {
      expect(prefixProblem(prefix), prefix).toBeDefined();
    }
  });
});

describe("percentDecode, then mustBeValidKey", () => {
  it("decodes once, strictly, with '+' left as '+'", () => {
    expect(percentDecode("a%20b+c%2Bd%25e")).toBe("a b+c+d%e");
    expect(percentDecode("%E2%82%AC")).toBe("€");
    expect(percentDecode("%252e")).toBe("%2e");
    expect(percentDecode("日本")).toBe("日本");
  });
  it("refuses malformed escapes and bytes that are not UTF-8", () => {
    for (const raw of ["%", "%2", "%zz", "%ff", "%C3", "%ED%A0%80"]) {
      expect(() => percentDecode(raw), raw).toThrow(FilegateError);
    }
  });
  it("refuses encodings of forbidden keys", () => {
    // The gateway decodes the path once, then the handler validates the key it hands over.
    for (const raw of ["%2e%2e", "a%2F%2Fb", "%2Fx", "a%00"]) {
      expect(() => mustBeValidKey(percentDecode(raw)), raw).toThrow(/Invalid key/);
    }
  });
});

describe("tenants and the object layout", () => {
  it("validates tenant ids", () => {
    for (const ok of ["acme", "A1", "t_1-x", "x".repeat(64)])
      expect(isValidTenant(ok), ok).toBe(true);
    for (const bad of ["", "-a", "_a", "a/b", "a.b", "a b", "x".repeat(65), 7, null]) {
      expect(isValidTenant(bad), String(bad)).toBe(false);
    }
  });

  it("maps tenant and key to an object key and back", () => {
    const objectKey = objectKeyFor("acme" as TenantId, "dir/a b.txt" as FileKey);
    expect(objectKey).toBe("tenants/acme/dir/a b.txt");
    expect(parseObjectKey(objectKey)).toEqual({ tenant: "acme", key: "dir/a b.txt" });
  });

  it("returns undefined for objects outside the layout", () => {
    for (const objectKey of [
      "other/acme/a",
      "tenants/",
      "tenants/acme",
      "tenants/acme/",
      "tenants/-x/a",
      "tenants/acme/a//b",
      "tenants/acme/../b",
    ]) {
      expect(parseObjectKey(objectKey), objectKey).toBeUndefined();
    }
  });
});
