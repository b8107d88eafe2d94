import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAuthority } from "@filegate/local";
import { loadAuthority } from "@filegate/local";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadedRoute, startApi } from "../packages/local/src/api";
import { type RawResponse, rawRequest } from "./helpers/http";
import { type RunningStack, startStack } from "./helpers/stack";

/**
 * What API Gateway answers itself, around the functions: CORS on every answer a browser may
 * read (its 401s included, so a page can read WWW-Authenticate), preflights from the CORS
 * rules, 413 over the payload limit, 500 when a function fails or runs past its timeout.
 */
const ORIGIN = { Origin: "https://app.example" };

function expectCors(response: RawResponse) {
  expect(response.headers["access-control-allow-origin"]).toBe("*");
  const exposed = String(response.headers["access-control-expose-headers"]).split(",");
  expect(exposed).toEqual(expect.arrayContaining(["www-authenticate", "apigw-requestid"]));
}

describe("the local stack's gateway answers", () => {
  let stack: RunningStack;
  let auth: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack();
    auth = await stack.auth("acme", "alice");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("401s carry the CORS headers, so a page can read WWW-Authenticate", async () => {
    const response = await rawRequest(stack.state.apiUrl, "GET", "/files", ORIGIN);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: "Unauthorized" });
    expect(response.headers["www-authenticate"]).toBe("Bearer");
    expectCors(response);
  });

  it("404s and 200s carry them too", async () => {
    const missing = await rawRequest(stack.state.apiUrl, "GET", "/no/such/route", {
      ...ORIGIN,
      ...auth,
    });
    expect(missing.status).toBe(404);
    expectCors(missing);
    const listed = await rawRequest(stack.state.apiUrl, "GET", "/files", { ...ORIGIN, ...auth });
    expect(listed.status).toBe(200);
    expectCors(listed);
  });

  it("answers a body over 10 MB with its own 413, declared or streamed", async () => {
    const tooLarge = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    const declared = await post(
      stack.state.apiUrl,
      "/uploads",
      {
        ...ORIGIN,
        ...auth,
        "Content-Type": "application/json",
        "Content-Length": String(tooLarge.length),
      },
      [tooLarge],
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ message: "Request Entity Too Large" });
    expectCors(declared);

    const streamed = await post(stack.state.apiUrl, "/uploads", { ...ORIGIN, ...auth }, [
      tooLarge.subarray(0, 5 * 1024 * 1024),
      tooLarge.subarray(5 * 1024 * 1024),
    ]);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ message: "Request Entity Too Large" });
    expectCors(streamed);
  });

  it("answers preflights from the CORS rules, allowing nothing outside them", async () => {
    const preflight = (method: string, headers?: string) =>
      rawRequest(stack.state.apiUrl, "OPTIONS", "/files/a.txt", {
        ...ORIGIN,
        "Access-Control-Request-Method": method,
        ...(headers ? { "Access-Control-Request-Headers": headers } : {}),
      });

    const allowed = await preflight("PUT", "authorization,content-type");
    expect(allowed.status).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe("*");
    expect(String(allowed.headers["access-control-allow-methods"]).split(",")).toContain("PUT");
    expect(allowed.headers["access-control-allow-headers"]).toBe("authorization,content-type");

    const header = await preflight("PUT", "authorization,x-tenant-override");
    expect(header.headers["access-control-allow-headers"]).toBe("authorization");

    for (const method of ["CONNECT", "put", "TRACE"]) {
      const refused = await preflight(method, "authorization");
      expect(refused.status, method).toBe(204);
      for (const name of Object.keys(refused.headers)) {
        expect(name.startsWith("access-control-allow"), `${method}: ${name}`).toBe(false);
      }
    }
  });
});

/**
 * POSTs a body in chunks: without a Content-Length header, chunked (nothing to refuse early
 * on). The gateway may answer and close before the last chunk: the answer is what counts.
 */
function post(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  chunks: Buffer[],
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: "POST", path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code !== "EPIPE") reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe("route functions under the gateway", () => {
  let dir: string;
  let authority: LocalAuthority;
  let api: Awaited<ReturnType<typeof startApi>>;
  const logs: string[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const json = (body: unknown): APIGatewayProxyStructuredResultV2 => ({
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const route = (
    path: string,
    run: LoadedRoute["run"],
    extra: Partial<LoadedRoute> = {},
  ): LoadedRoute => ({
    method: "GET",
    path,
    handler: "tests/gateway.handler",
    link: [],
    access: {},
    auth: "none",
    run,
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "filegate-gateway-"));
    authority = await loadAuthority(join(dir, "signing-key.json"), "tenant", { log: () => {} });
    api = await startApi({
      port: 0,
      authority,
      log: (line) => logs.push(line),
      routes: [
        route(
          "/slow",
          async () => {
            await sleep(1500);
            return json({ late: true });
          },
          { timeoutSeconds: 1 },
        ),
        route(
          "/remaining",
          async (_event, context) => json({ ms: context.getRemainingTimeInMillis() }),
          { timeoutSeconds: 3 },
        ),
        route("/default", async (_event, context) =>
          json({ ms: context.getRemainingTimeInMillis() }),
        ),
        route("/throws", async () => {
          throw new Error("boom");
        }),
        route("/own-cors", async () => ({
          statusCode: 200,
          headers: {
            "access-control-allow-origin": "https://evil.example",
            "Access-Control-Allow-Credentials": "true",
          },
          body: "",
        })),
        route("/claims", async (event) => json(event.requestContext.authorizer.jwt.claims), {
          auth: "jwt",
        }),
      ],
    });
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 500 as API Gateway does when a function runs past its route's timeout", async () => {
    const started = performance.now();
    const response = await rawRequest(api.url, "GET", "/slow", ORIGIN);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: "Internal Server Error" });
    expect(response.headers["apigw-requestid"]).toBeTruthy();
    expectCors(response);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1450);
    expect(logs.join("\n")).toContain("GET /slow: Task timed out after 1.00 seconds");
  });

  it("hands the function a context counting down from its route's timeout (10 s by default)", async () => {
    const own = JSON.parse((await rawRequest(api.url, "GET", "/remaining")).body);
    expect(own.ms).toBeGreaterThan(2500);
    expect(own.ms).toBeLessThanOrEqual(3000);
    const fallback = JSON.parse((await rawRequest(api.url, "GET", "/default")).body);
    expect(fallback.ms).toBeGreaterThan(9500);
    expect(fallback.ms).toBeLessThanOrEqual(10_000);
  });

  it("answers 500 as API Gateway does when a function throws", async () => {
    const response = await rawRequest(api.url, "GET", "/throws", ORIGIN);
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: "Internal Server Error" });
    expectCors(response);
  });

  it("puts its own CORS headers in place of a function's", async () => {
    const response = await rawRequest(api.url, "GET", "/own-cors", ORIGIN);
    expect(response.headers["access-control-allow-origin"]).toBe("*");
    expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
    const sameOrigin = await rawRequest(api.url, "GET", "/own-cors");
    expect(
      Object.keys(sameOrigin.headers).filter((name) => name.startsWith("access-control-")),
    ).toEqual([]);
  });

  it("answers 404 itself for a path no route matches", async () => {
    const response = await rawRequest(api.url, "GET", "/nowhere", ORIGIN);
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: "Not Found" });
    expectCors(response);
  });

  it("passes claims on as strings, arrays as [a b]", async () => {
    const key = await importJWK(JSON.parse(await readFile(join(dir, "signing-key.json"), "utf8")));
    const token = await new SignJWT({
      tenant: "acme",
      groups: ["admins", "ops"],
      level: 3,
      verified: true,
    })
      .setProtectedHeader({ alg: "RS256", kid: authority.kid })
      .setIssuer(authority.issuer)
      .setAudience(authority.audience)
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(key);
    const response = await rawRequest(api.url, "GET", "/claims", {
      Authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(200);
    const claims = JSON.parse(response.body);
    expect(claims).toMatchObject({
      tenant: "acme",
      sub: "alice",
      aud: "filegate",
      groups: "[admins ops]",
      level: "3",
      verified: "true",
      exp: expect.stringMatching(/^\d+$/),
    });
  });
});
