import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocument } from "../packages/functions/src/openapi/document";
import { OPERATIONS } from "../packages/functions/src/openapi/operations";
import { ROUTES } from "../packages/functions/src/routes";
import { documentText, OPENAPI_FILE } from "../scripts/openapi";
import { checkedFetch, checkResponse } from "./helpers/openapi";
import { type RunningStack, startStack } from "./helpers/stack";

/**
 * The OpenAPI document: one operation per route, valid OpenAPI 3.1 by a third-party
 * validator, current in docs/, and served without a token by the local stack.
 */
describe("the OpenAPI document", () => {
  it("has an operation for every route of the route table, and none for a route it lacks", () => {
    const routes = ROUTES.map((route) => `${route.method} ${route.path}`).sort();
    expect(Object.keys(OPERATIONS).sort()).toEqual(routes);
    // Only the catch-all is no operation.
    const none = Object.entries(OPERATIONS).filter(([, operation]) => operation === null);
    expect(none.map(([key]) => key)).toEqual(["ANY /{proxy+}"]);
    const ids = Object.values(OPERATIONS).flatMap((operation) =>
      operation ? [operation.operationId] : [],
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)", async () => {
    const result = await new Validator().validate(buildDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("is current in docs/openapi.json (`npm run openapi` writes it)", async () => {
    const written = await readFile(OPENAPI_FILE, "utf8").catch(() => "");
    expect(written === documentText(), "docs/openapi.json is stale: run `npm run openapi`").toBe(
      true,
    );
  });

  it("marks as public exactly the routes without a token, and secures the others with bearer", () => {
    const document = buildDocument() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
    });
    for (const route of ROUTES.filter((r) => r.method !== "ANY")) {
      const path = route.path.replace("+}", "}");
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation?.security, `${route.method} ${route.path}`).toEqual(
        route.auth === "none" ? [] : undefined,
      );
    }
  });
});

describe("the answer checker", () => {
  const url = new URL("http://api.test/uploads");
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    });

  it("refuses a status the operation does not declare, and a body off its schema", async () => {
    await expect(checkResponse("POST", url, answer(418, {}))).rejects.toThrow(/declares no 418/);
    await expect(
      checkResponse("POST", url, answer(201, { id: "u1", method: "single" })),
    ).rejects.toThrow(/does not match the document/);
    await expect(
      checkResponse("POST", url, answer(400, { error: { code: "teapot", message: "" } })),
    ).rejects.toThrow(/does not match/);
    await expect(
      checkResponse(
        "POST",
        url,
        answer(400, { error: { code: "invalid_part_size", message: "x" }, requestId: "r" }),
      ),
    ).resolves.toBeUndefined();
  });
});

describe("GET /openapi.json on the local stack", () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("serves the document without a token, and the API's answers match it", async () => {
    const api = stack.state.apiUrl;
    const served = await fetch(`${api}/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await served.json()).toEqual(buildDocument());

    const checked = checkedFetch(api);
    const auth = await stack.auth("openapi");
    await checked(`${api}/files?limit=5`, { headers: auth });
    await checked(`${api}/files?limit=0`, { headers: auth });
    await checked(`${api}/files`);
    await checked(`${api}/files/missing.txt`, { headers: auth });
    await checked(`${api}/nowhere`, { headers: auth });
    await checked(`${api}/usage`, { headers: auth });
    const created = await checked(`${api}/uploads`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ key: "o/a.txt", size: 3, contentType: "text/plain" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await checked(`${api}/uploads/${id}`, { headers: auth });
    await checked(`${api}/uploads/${id}/parts`, { headers: auth });
    await checked(`${api}/uploads/${id}`, { method: "DELETE", headers: auth });
  });
});
