import { describe, expect, expectTypeOf, it } from "vitest";
import {
  asFilegateError,
  ERROR_STATUS,
  type ErrorCode,
  Errors,
  FilegateError,
  fromAwsError,
  isFilegateError,
} from ".";

/** One error of each constructor, built with sample arguments. */
const SAMPLES = {
  badRequest: Errors.badRequest("limit must be a whole number", { field: "limit" }),
  invalidKey: Errors.invalidKey("it contains a '..' segment"),
  invalidCursor: Errors.invalidCursor("it is malformed"),
  invalidWebhookUrl: Errors.invalidWebhookUrl("url must be https"),
  invalidPartSize: Errors.invalidPartSize("Too small", { requested: 1, min: 5, max: 10 }),
  unauthorized: Errors.unauthorized(),
  forbidden: Errors.forbidden("The token carries no usable tenant"),
  notFound: Errors.notFound(),
  methodNotAllowed: Errors.methodNotAllowed("PATCH", ["GET", "PUT"]),
  conflict: Errors.conflict("This upload is already committed"),
  preconditionFailed: Errors.preconditionFailed("The file exists"),
  tooLarge: Errors.tooLarge("Too big", { limit: 10, requested: 11 }),
  quotaExceeded: Errors.quotaExceeded("Over quota", { dimension: "bytes", limit: 10 }),
  unsupportedMediaType: Errors.unsupportedMediaType("No", { allowed: ["image/*"] }),
  internalError: Errors.internalError(new Error("boom")),
  serviceUnavailable: Errors.serviceUnavailable("busy"),
  attestationUnconfigured: Errors.attestationUnconfigured(),
} satisfies Record<keyof typeof Errors, FilegateError>;

describe("the error catalogue", () => {
  it("has a constructor for every code, and every constructor builds a catalogued code", () => {
    type Built = ReturnType<(typeof Errors)[keyof typeof Errors]>["code"];
    expectTypeOf<Built>().toEqualTypeOf<ErrorCode>();
    const built = Object.values(SAMPLES).map((error) => error.code);
    expect(new Set(built)).toEqual(new Set(Object.keys(ERROR_STATUS)));
  });

  it("gives each error its code's status, a name, and the stack of a real Error", () => {
    for (const error of Object.values(SAMPLES)) {
      expect(error.status, error.code).toBe(ERROR_STATUS[error.code]);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("FilegateError");
      expect(isFilegateError(error)).toBe(true);
    }
  });

  it("keeps the cause", () => {
    const cause = new Error("Rate exceeded");
    expect(Errors.serviceUnavailable("busy", cause).cause).toBe(cause);
    expect(Errors.internalError(cause).cause).toBe(cause);
    expect(new FilegateError("not_found", "gone", { cause }).cause).toBe(cause);
  });
});

describe("an error renders itself", () => {
  it("as JSON {error: {code, message, details}, requestId}, never cached, with its own headers", () => {
    expect(Errors.methodNotAllowed("PATCH", ["GET", "PUT"]).render("req-1")).toEqual({
      statusCode: 405,
      headers: {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        Allow: "GET, PUT",
      },
      body: '{"error":{"code":"method_not_allowed","message":"Method PATCH is not allowed here"},"requestId":"req-1"}',
    });
  });

  it("with details only when it has some, after code and message", () => {
    const rendered = Errors.invalidKey("it is empty").render("req-2");
    expect(rendered.body).toBe(
      '{"error":{"code":"invalid_key","message":"Invalid key: it is empty","details":{"reason":"it is empty"}},"requestId":"req-2"}',
    );
    expect(Errors.conflict("late").body("req-3")).toStrictEqual({
      error: { code: "conflict", message: "late" },
      requestId: "req-3",
    });
  });

  it("with a bearer challenge on a 401", () => {
    expect(Errors.unauthorized().render("r").headers["WWW-Authenticate"]).toBe("Bearer");
    expect(Errors.unauthorized("bad", true).render("r").headers["WWW-Authenticate"]).toBe(
      'Bearer error="invalid_token"',
    );
  });

  it("answers anything outside the catalogue with a bare 500 that says nothing of it", () => {
    const secret = new Error("connect ECONNREFUSED 10.0.0.7:5432");
    const error = asFilegateError(secret);
    expect(error.cause).toBe(secret);
    expect(error.render("req-4")).toEqual({
      statusCode: 500,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      body: '{"error":{"code":"internal_error","message":"Internal server error"},"requestId":"req-4"}',
    });
    const known = Errors.notFound();
    expect(asFilegateError(known)).toBe(known);
  });

  it("does not turn into its answer when serialized for a log", () => {
    // A `toJSON` method would replace the error (stack, cause) by its public body in a log line.
    const error = Errors.internalError(new Error("boom"));
    const logged = JSON.parse(JSON.stringify({ error })).error;
    expect(logged).toMatchObject({ name: "FilegateError", code: "internal_error", status: 500 });
    expect(logged).not.toHaveProperty("requestId");
  });
});

describe("fromAwsError", () => {
  it("turns throttling into a retryable 503 and leaves anything else as it is", () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    expect(fromAwsError(throttled)).toMatchObject({ code: "service_unavailable", status: 503 });
    const other = Object.assign(new Error("nope"), { name: "AccessDenied" });
    expect(fromAwsError(other)).toBe(other);
  });
});
