import { readFile } from "node:fs/promises";
import { generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startStack } from "./helpers/stack";

let stack: RunningStack;
let api: string;

beforeAll(async () => {
  stack = await startStack();
  api = stack.state.apiUrl;
});
afterAll(async () => {
  await stack?.stop();
});

/** Signs claims with the stack's own key (valid signature, issuer and audience by default). */
async function signWithStackKey(
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string } = {},
) {
  const key = await importJWK(
    JSON.parse(await readFile(stack.state.auth.keyFile, "utf8")),
    "ES256",
  );
  const { sub, ...rest } = claims;
  const jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer(options.issuer ?? stack.state.auth.issuer)
    .setAudience(options.audience ?? stack.state.auth.audience)
    .setExpirationTime("1h");
  if (typeof sub === "string") jwt.setSubject(sub);
  return jwt.sign(key);
}

async function call(authorization?: string) {
  return fetch(`${api}/files`, { headers: authorization ? { Authorization: authorization } : {} });
}

async function expect401(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
}

describe("bearer tokens", () => {
  it("accepts a token from `npm run token`", async () => {
    const response = await call(`Bearer ${await stack.token("acme", "alice")}`);
    expect(response.status).toBe(200);
  });

  it("refuses a request without a token", async () => {
    await expect401(await call());
    await expect401(await call("Basic YWxpY2U6cGFzcw=="));
    await expect401(await call("Bearer"));
  });

  it("refuses a token signed with another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({ tenant: "acme" })
      .setProtectedHeader({ alg: "ES256" })
      .setSubject("alice")
      .setIssuer(stack.state.auth.issuer)
      .setAudience(stack.state.auth.audience)
      .setExpirationTime("1h")
      .sign(privateKey);
    await expect401(await call(`Bearer ${token}`));
  });

  it("refuses an expired token", async () => {
    const token = await stack.token("acme", "alice", "--expires-in", "1");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect401(await call(`Bearer ${token}`));
  });

  it("refuses a token for another audience or issuer", async () => {
    const sign = (issuer: string, audience: string) =>
      signWithStackKey({ tenant: "acme", sub: "alice" }, { issuer, audience });
    // Control: the same key with the right issuer and audience is accepted.
    expect(
      (await call(`Bearer ${await sign(stack.state.auth.issuer, stack.state.auth.audience)}`))
        .status,
    ).toBe(200);
    await expect401(await call(`Bearer ${await sign(stack.state.auth.issuer, "another-api")}`));
    await expect401(
      await call(`Bearer ${await sign("https://evil.example", stack.state.auth.audience)}`),
    );
  });

  it("refuses alg: none and an HS256 forgery keyed with the public key", async () => {
    const unsigned = new UnsecuredJWT({ tenant: "acme" })
      .setSubject("alice")
      .setIssuer(stack.state.auth.issuer)
      .setAudience(stack.state.auth.audience)
      .setExpirationTime("1h")
      .encode();
    await expect401(await call(`Bearer ${unsigned}`));

    const jwk = JSON.parse(await readFile(stack.state.auth.keyFile, "utf8"));
    const { d: _d, ...publicJwk } = jwk;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT({ tenant: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setIssuer(stack.state.auth.issuer)
      .setAudience(stack.state.auth.audience)
      .setExpirationTime("1h")
      .sign(secret);
    await expect401(await call(`Bearer ${forged}`));
  });

  it("refuses a tampered token", async () => {
    const token = await stack.token("acme", "alice");
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, tenant: "globex" })).toString(
      "base64url",
    );
    await expect401(await call(`Bearer ${header}.${tampered}.${signature}`));
  });

  it("answers 403 to a valid token without a usable tenant or subject", async () => {
    const claims: Array<Record<string, unknown>> = [
      { sub: "alice" },
      { sub: "alice", tenant: "" },
      { sub: "alice", tenant: "a/b" },
      { sub: "alice", tenant: "../x" },
      { sub: "alice", tenant: "x".repeat(65) },
      { sub: "alice", tenant: "-lead" },
      { sub: "alice", tenant: ["acme", "globex"] },
      { tenant: "acme" },
    ];
    for (const claim of claims) {
      const response = await call(`Bearer ${await signWithStackKey(claim)}`);
      expect(response.status, JSON.stringify(claim)).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
    }
    // Control: the same signing path with a good tenant and subject is accepted.
    expect(
      (await call(`Bearer ${await signWithStackKey({ sub: "alice", tenant: "acme" })}`)).status,
    ).toBe(200);
  });

  it("signs a dev token at start-up that works", async () => {
    expect((await call(`Bearer ${stack.state.devToken}`)).status).toBe(200);
    expect(stack.output()).toContain(stack.state.devToken);
  });

  it("token command prints the token and nothing else on stdout", async () => {
    const token = await stack.token(
      "acme",
      "alice",
      "--scope",
      "audit:read",
      "--scope",
      "files:write",
    );
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    expect(claims).toMatchObject({ tenant: "acme", sub: "alice", scope: "audit:read files:write" });
  });
});
