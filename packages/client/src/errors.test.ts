import { describe, expect, it } from "vitest";
import {
  errorFromApiResponse,
  errorFromStorageResponse,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  StorageError,
  UnauthorizedError,
} from "./errors";
import { keyPath } from "./keys";
import { compressRanges } from "./multipart";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers });

describe("errors from API answers", () => {
  it("reads the API's JSON error: class by status, code, message, details and requestId", async () => {
    const error = await errorFromApiResponse(
      json(413, {
        error: {
          code: "quota_exceeded",
          message: "Over quota",
          details: { limit: 100, used: 90, reserved: 5, requested: 10 },
        },
        requestId: "r-1",
      }),
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({
      name: "PayloadTooLargeError",
      status: 413,
      code: "quota_exceeded",
      message: "Over quota",
      requestId: "r-1",
      details: { limit: 100 },
      source: "api",
    });
  });

  it("reads API Gateway's own {message} answers and body-less ones", async () => {
    const gateway = await errorFromApiResponse(
      json(401, { message: "Unauthorized" }, { "apigw-requestid": "gw-1" }),
    );
    expect(gateway).toBeInstanceOf(UnauthorizedError);
    expect(gateway).toMatchObject({
      code: "unauthorized",
      message: "Unauthorized",
      requestId: "gw-1",
    });

    const refused = await errorFromApiResponse(
      json(
        401,
        { message: "Unauthorized" },
        {
          "www-authenticate":
            'Bearer scope="" error="invalid_token" error_description="the token has expired"',
        },
      ),
    );
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect(refused.message).toBe("Unauthorized: the token has expired");

    const head = await errorFromApiResponse(new Response(null, { status: 404 }));
    expect(head).toBeInstanceOf(NotFoundError);
    expect(head.code).toBe("not_found");

    const forbidden = await errorFromApiResponse(new Response("<html>no</html>", { status: 403 }));
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect(forbidden.message).toBe("<html>no</html>");
  });

  it("names API Gateway's 413 by the catalogue's code for that status", async () => {
    const error = await errorFromApiResponse(
      json(413, { message: "Request Entity Too Large" }, { "apigw-requestid": "gw-2" }),
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: "too_large", message: "Request Entity Too Large" });
  });
});

describe("errors from storage", () => {
  it("reads S3's XML error", async () => {
    const error = await errorFromStorageResponse(
      new Response(
        "<?xml version='1.0'?><Error><Code>SignatureDoesNotMatch</Code><Message>The signature does not match</Message><RequestId>s3-1</RequestId></Error>",
        { status: 403 },
      ),
      "the upload of a.txt",
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({
      status: 403,
      code: "SignatureDoesNotMatch",
      requestId: "s3-1",
      source: "storage",
    });
    expect(error.message).toBe(
      "Storage refused the upload of a.txt: 403 SignatureDoesNotMatch (The signature does not match)",
    );
  });

  it("turns storage's 412 into a PreconditionFailedError", async () => {
    const error = await errorFromStorageResponse(
      new Response("<Error><Code>PreconditionFailed</Code></Error>", { status: 412 }),
      "the upload of a.txt",
    );
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error.source).toBe("storage");
  });
});

describe("keyPath", () => {
  it("encodes each segment and keeps the slashes", () => {
    expect(keyPath("photos/2024/my cat+dog 100%.jpg")).toBe(
      "photos/2024/my%20cat%2Bdog%20100%25.jpg",
    );
    expect(keyPath("ünï/🎉?#.txt")).toBe("%C3%BCn%C3%AF/%F0%9F%8E%89%3F%23.txt");
  });

  it("refuses keys that fetch would rewrite before sending", () => {
    for (const key of ["", "/abs", "a//b", "a/../b", "./a", "a/.", "a/"]) {
      expect(() => keyPath(key), key).toThrow(expect.objectContaining({ code: "invalid_key" }));
    }
  });
});

describe("compressRanges", () => {
  it("writes part numbers as ascending runs", () => {
    expect(compressRanges([9, 1, 2, 5, 6, 7])).toBe("1-2,5-7,9");
    expect(compressRanges([3])).toBe("3");
    expect(compressRanges([4, 4, 5])).toBe("4-5");
  });
});
