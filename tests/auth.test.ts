import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "./helpers/http";
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

const hour = () => Math.floor(Date.now() / 1000) + 3600;

/**
 * Signs `claims` as they are (nothing added) with the stack's own RSA key: a valid signature
 * and, unless `header` says otherwise, the stack's `kid`.
 */
async function signWithStackKey(claims: JWTPayload, header: Record<string, unknown> = {}) {
  const key = await importJWK(
    JSON.parse(await readFile(stack.state.auth.keyFile, "utf8")),
    "RS256",
  );
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: stack.state.auth.kid, ...header })
    .sign(key);
}

/** Good claims: the stack's issuer and audience, a tenant and subject, an hour to live. */
function goodClaims(extra: JWTPayload = {}): JWTPayload {
  return {
    iss: stack.state.auth.issuer,
    aud: stack.state.auth.audience,
    sub: "alice",
    tenant: "acme",
    exp: hour(),
    ...extra,
  };
}

async function call(authorization?: string) {
  return fetch(`${api}/files`, { headers: authorization ? { Authorization: authorization } : {} });
}

/** API Gateway's own 401: its body, a challenge with the reason, its request id header. */
async function expect401(response: Response, description?: RegExp) {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ message: "Unauthorized" });
  expect(response.headers.get("apigw-requestid")).toBeTruthy();
  const challenge = response.headers.get("www-authenticate") ?? "";
  if (description === undefined) {
    expect(challenge).toBe("Bearer");
  } else {
    expect(challenge).toMatch(/^Bearer scope="" error="invalid_token" error_description="[^"]+"$/);
    expect(challenge).toMatch(description);
  }
}

describe("bearer tokens", () => {
  it("accepts a token from `npm run token`, with or without the Bearer prefix", async () => {
    const token = await stack.token("acme", "alice");
    expect((await call(`Bearer ${token}`)).status).toBe(200);
    // API Gateway's identity source may hold the token alone.
    expect((await call(token)).status).toBe(200);
  });

  it("signs with RS256 and the kid of the key set it publishes beside its key", async () => {
    const token = await stack.token("acme", "alice");
    const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
    expect(header).toMatchObject({ alg: "RS256", kid: stack.state.auth.kid });
    expect(stack.state.auth).toMatchObject({
      algorithm: "RS256",
      jwksFile: join(stack.dir, "jwks.json"),
      keyFile: join(stack.dir, "signing-key.json"),
    });
    const jwks = JSON.parse(await readFile(stack.state.auth.jwksFile, "utf8"));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", kid: stack.state.auth.kid, alg: "RS256" });
    expect(jwks.keys[0].d).toBeUndefined();
    // What API Gateway does with the issuer's key set, a tool can do with this file.
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: stack.state.auth.issuer,
      audience: stack.state.auth.audience,
      algorithms: ["RS256"],
    });
    expect(payload).toMatchObject({ tenant: "acme", sub: "alice" });
  });

  it("answers a request without a token with a bare Bearer challenge", async () => {
    await expect401(await call());
    await expect401(await call("Bearer "));
    await expect401(await call("Basic YWxpY2U6cGFzcw=="), /malformed/);
  });

  it("refuses a token signed with another key under the stack's kid", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: "RS256", kid: stack.state.auth.kid })
      .sign(privateKey);
    await expect401(await call(`Bearer ${token}`), /signature is invalid/);
  });

  it("refuses a token without a kid, or with a kid the key set does not hold", async () => {
    // Control: the same claims and key with the right kid are accepted.
    expect((await call(`Bearer ${await signWithStackKey(goodClaims())}`)).status).toBe(200);
    const key = await importJWK(
      JSON.parse(await readFile(stack.state.auth.keyFile, "utf8")),
      "RS256",
    );
    const withoutKid = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: "RS256" })
      .sign(key);
    await expect401(await call(`Bearer ${withoutKid}`), /no kid/);
    const unknownKid = await signWithStackKey(goodClaims(), { kid: "another-key" });
    await expect401(await call(`Bearer ${unknownKid}`), /kid is not found/);
  });

  it("refuses every algorithm but RSA: ES256, an HS256 forgery, alg none", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const es256 = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: "ES256", kid: stack.state.auth.kid })
      .sign(privateKey);
    await expect401(await call(`Bearer ${es256}`), /signing method ES256 is invalid/);

    const jwks = JSON.parse(await readFile(stack.state.auth.jwksFile, "utf8"));
    const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
    const forged = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: "HS256", kid: stack.state.auth.kid })
      .sign(secret);
    await expect401(await call(`Bearer ${forged}`), /signing method HS256 is invalid/);

    const unsigned = new UnsecuredJWT(goodClaims()).encode();
    await expect401(await call(`Bearer ${unsigned}`), /signing method none is invalid/);
  });

  it("refuses a token without exp, expired, or with nbf or iat in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { exp: _exp, ...noExp } = goodClaims();
    await expect401(await call(`Bearer ${await signWithStackKey(noExp)}`), /no exp/);
    const expired = await signWithStackKey(goodClaims({ exp: now - 1 }));
    await expect401(await call(`Bearer ${expired}`), /expired/);
    const notYet = await signWithStackKey(goodClaims({ nbf: now + 60 }));
    await expect401(await call(`Bearer ${notYet}`), /not valid yet/);
    const future = await signWithStackKey(goodClaims({ iat: now + 60 }));
    await expect401(await call(`Bearer ${future}`), /issued in the future/);
    // Control: nbf and iat in the past are fine.
    const past = await signWithStackKey(goodClaims({ nbf: now - 5, iat: now - 5 }));
    expect((await call(`Bearer ${past}`)).status).toBe(200);
  });

  it("refuses an expired token from `npm run token`", async () => {
    const token = await stack.token("acme", "alice", "--expires-in", "1");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect401(await call(`Bearer ${token}`), /expired/);
  });

  it("refuses another issuer or audience; takes client_id only when aud is absent", async () => {
    const wrongIssuer = await signWithStackKey(goodClaims({ iss: "https://evil.example" }));
    await expect401(await call(`Bearer ${wrongIssuer}`), /valid issuer/);
    const wrongAudience = await signWithStackKey(goodClaims({ aud: "another-api" }));
    await expect401(
      await call(`Bearer ${wrongAudience}`),
      /error_description="the token does not have a valid audience"/,
    );

    const { aud: _aud, ...noAud } = goodClaims();
    const clientId = await signWithStackKey({ ...noAud, client_id: stack.state.auth.audience });
    expect((await call(`Bearer ${clientId}`)).status).toBe(200);
    const listed = await signWithStackKey(
      goodClaims({ aud: ["other", stack.state.auth.audience] }),
    );
    expect((await call(`Bearer ${listed}`)).status).toBe(200);
    // With aud present, client_id is not looked at.
    const both = await signWithStackKey(
      goodClaims({ aud: "another-api", client_id: stack.state.auth.audience }),
    );
    await expect401(await call(`Bearer ${both}`), /valid audience/);
    await expect401(await call(`Bearer ${await signWithStackKey(noAud)}`), /valid audience/);
  });

  it("refuses a tampered token", async () => {
    const token = await stack.token("acme", "alice");
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, tenant: "globex" })).toString(
      "base64url",
    );
    await expect401(await call(`Bearer ${header}.${tampered}.${signature}`), /signature/);
  });

  it("refuses before any function runs, on any path and method", async () => {
    for (const [method, path] of [
      ["GET", "/files/a.txt"],
      ["PUT", "/files/a.txt"],
      ["POST", "/uploads"],
      ["GET", "/no/such/route"],
      ["PATCH", "/files"],
    ] as const) {
      const response = await rawRequest(api, method, path);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(JSON.parse(response.body)).toEqual({ message: "Unauthorized" });
      expect(response.headers["www-authenticate"]).toBe("Bearer");
    }
  });

  it("answers 403 to a valid token without a usable tenant or subject", async () => {
    const claims: JWTPayload[] = [
      { sub: "alice" },
      { sub: "alice", tenant: "" },
      { sub: "alice", tenant: "a/b" },
      { sub: "alice", tenant: "../x" },
      { sub: "alice", tenant: "x".repeat(65) },
      { sub: "alice", tenant: "-lead" },
      { sub: "alice", tenant: ["acme", "globex"] },
      { tenant: "acme" },
    ];
    const { sub: _sub, tenant: _tenant, ...base } = goodClaims();
    for (const claim of claims) {
      const response = await call(`Bearer ${await signWithStackKey({ ...base, ...claim })}`);
      expect(response.status, JSON.stringify(claim)).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
    }
    // Control: the same signing path with a good tenant and subject is accepted.
    expect((await call(`Bearer ${await signWithStackKey(goodClaims())}`)).status).toBe(200);
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

describe("a state folder from before RSA keys", () => {
  it("replaces an ES256 signing key with an RS256 one at start and says so", async () => {
    const dir = await mkdtemp(join(tmpdir(), "filegate-es256-"));
    try {
      const { privateKey } = await generateKeyPair("ES256", { extractable: true });
      const old = { ...(await exportJWK(privateKey)), kid: "old-es256", alg: "ES256" };
      await writeFile(join(dir, "signing-key.json"), JSON.stringify(old));
      const oldToken = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: "ES256", kid: "old-es256" })
        .sign(privateKey);

      const upgraded = await startStack({ dir });
      try {
        expect(upgraded.output()).toMatch(/Replaced the ES256 signing key .* with an RS256 key/);
        const key = JSON.parse(await readFile(join(dir, "signing-key.json"), "utf8"));
        expect(key).toMatchObject({ kty: "RSA", alg: "RS256", kid: upgraded.state.auth.kid });
        const jwks = JSON.parse(await readFile(join(dir, "jwks.json"), "utf8"));
        expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([upgraded.state.auth.kid]);
        const url = `${upgraded.state.apiUrl}/files`;
        expect((await fetch(url, { headers: await upgraded.auth("acme") })).status).toBe(200);
        const refused = await fetch(url, { headers: { Authorization: `Bearer ${oldToken}` } });
        expect(refused.status).toBe(401);
      } finally {
        await upgraded.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
