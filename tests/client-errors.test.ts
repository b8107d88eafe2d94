import { API_ERRORS, type ApiErrorCode } from "@filegate/client";
import { ERROR_STATUS, type ErrorCode } from "@filegate/core/errors";
import { describe, expect, expectTypeOf, it } from "vitest";
import { CODE_BY_STATUS } from "../packages/client/src/errors";

/**
 * `@filegate/client` keeps its own copy of the API's error codes (it depends on no server
 * package). A code the server's catalogue adds, drops or moves to another status without the
 * client knowing fails here, in the type-check and at run time.
 */
describe("the client's error codes against the API's catalogue", () => {
  it("knows every code the API answers with, each with the API's status", () => {
    expectTypeOf<ApiErrorCode>().toEqualTypeOf<ErrorCode>();
    expect(API_ERRORS).toStrictEqual(ERROR_STATUS);
  });

  it("names an answer without a code by a catalogued code of that status", () => {
    for (const status of new Set(Object.values(ERROR_STATUS))) {
      expect(CODE_BY_STATUS[status], String(status)).toBeDefined();
    }
    for (const [status, code] of Object.entries(CODE_BY_STATUS)) {
      // 429 is API Gateway's throttling: no function answers it, so the catalogue has no code.
      if (status === "429") continue;
      expect(ERROR_STATUS[code as ErrorCode], `${status} ${code}`).toBe(Number(status));
    }
  });
});
