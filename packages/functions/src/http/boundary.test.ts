import { Errors } from "@filegate/core/errors";
import { describe, expect, it } from "vitest";
import sample from "../../../../tests/fixtures/api-get-file-event.json" with { type: "json" };
import { type HttpEvent, route, wantsJson } from "./boundary";

const event = sample as unknown as HttpEvent;
const REQUEST_ID = event.requestContext.requestId;

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

describe("the boundary renders what a route throws", () => {
  it("a catalogued error as its JSON answer, with its own headers", async () => {
    const answer = await route(async () => {
      throw Errors.tooLarge("Too big", { limit: 10, requested: 11 });
    })(event);
    expect(answer).toEqual({
      statusCode: 413,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      body: JSON.stringify({
        error: { code: "too_large", message: "Too big", details: { limit: 10, requested: 11 } },
        requestId: REQUEST_ID,
      }),
    });
  });

  it("anything else as a bare 500 that says nothing of it", async () => {
    const answer = await route(async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.7");
    })(event);
    expect(answer).toEqual({
      statusCode: 500,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      body: `{"error":{"code":"internal_error","message":"Internal server error"},"requestId":"${REQUEST_ID}"}`,
    });
  });

  it("a request without the authorizer's claims as a 401 with a bearer challenge", async () => {
    const unauthenticated = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: undefined },
    } as unknown as HttpEvent;
    const answer = await route(async () => ({ statusCode: 204 }))(unauthenticated);
    expect(answer).toMatchObject({
      statusCode: 401,
      headers: { "WWW-Authenticate": "Bearer" },
    });
    expect(JSON.parse(String(answer.body))).toMatchObject({ error: { code: "unauthorized" } });
  });
});
