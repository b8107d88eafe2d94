import { describe, expect, it } from "vitest";
import { wantsJson } from "./boundary";

describe("wantsJson", () => {
  it("is true only when the client asks for JSON", () => {
    expect(wantsJson("application/json")).toBe(true);
    expect(wantsJson("text/html, application/json;q=0.9")).toBe(true);
    expect(wantsJson(undefined)).toBe(false);
    expect(wantsJson("*/*")).toBe(false);
    expect(wantsJson("application/json;q=0")).toBe(false);
    expect(wantsJson("application/jsonx")).toBe(false);
  });
});
