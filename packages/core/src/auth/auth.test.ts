import { describe, expect, it } from "vitest";
import { parseScopes, principalFromClaims } from "./index";

describe("principalFromClaims", () => {
  it("reads tenant (from the configured claim), subject and scopes", () => {
    const principal = principalFromClaims({ sub: "u1", org: "acme", scope: "a b" }, "org");
    expect(principal.tenant).toBe("acme");
    expect(principal.actor).toBe("u1");
    expect([...principal.scopes]).toEqual(["a", "b"]);
  });
  it("answers 401 without claims and 403 without a usable tenant or subject", () => {
    expect(() => principalFromClaims(undefined, "tenant")).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => principalFromClaims({}, "tenant")).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => principalFromClaims({ sub: "u" }, "tenant")).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => principalFromClaims({ sub: "u", tenant: "a/b" }, "tenant")).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => principalFromClaims({ tenant: "acme" }, "tenant")).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });
});

describe("parseScopes", () => {
  it("reads space-separated strings, API Gateway's [a b] form and arrays", () => {
    expect([...parseScopes("a b  c")]).toEqual(["a", "b", "c"]);
    expect([...parseScopes("[audit:read:all files:write]")]).toEqual([
      "audit:read:all",
      "files:write",
    ]);
    expect([...parseScopes(["x", "y"])]).toEqual(["x", "y"]);
    expect([...parseScopes(undefined)]).toEqual([]);
  });
});
