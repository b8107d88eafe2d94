import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";

export const LOCAL_ISSUER = "filegate-local";
export const LOCAL_AUDIENCE = "filegate";
const ALGORITHM = "ES256";

/** What a local token says: tenant, subject and scopes. */
export interface TokenRequest {
  tenant: string;
  sub: string;
  scope?: string | undefined;
  /** Lifetime in seconds (default one hour). */
  expiresIn?: number | undefined;
}

export interface LocalAuthority {
  issuer: string;
  audience: string;
  tenantClaim: string;
  /** Signs a token the local stack accepts. */
  issue(request: TokenRequest): Promise<string>;
  /** The verified claims of a bearer token; throws on any fault (signature, expiry, audience...). */
  verify(token: string): Promise<JWTPayload>;
}

/**
 * The local stack's token authority: an ES256 key pair kept in `keyFile` (created on first
 * use), standing in for the identity provider that API Gateway's JWT authorizer trusts on AWS.
 */
export async function loadAuthority(keyFile: string, tenantClaim: string): Promise<LocalAuthority> {
  const jwk = await loadOrCreateKey(keyFile);
  const privateKey = await importJWK(jwk, ALGORITHM);
  const { d: _private, ...publicJwk } = jwk;
  const publicKey = await importJWK(publicJwk, ALGORITHM);
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    tenantClaim,
    async issue({ tenant, sub, scope, expiresIn = 3600 }) {
      return new SignJWT({ [tenantClaim]: tenant, ...(scope ? { scope } : {}) })
        .setProtectedHeader({ alg: ALGORITHM, kid: jwk.kid ?? "local", typ: "JWT" })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${expiresIn}s`)
        .sign(privateKey);
    },
    async verify(token) {
      const { payload } = await jwtVerify(token, publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: [ALGORITHM],
      });
      return payload;
    },
  };
}

async function loadOrCreateKey(keyFile: string): Promise<JWK> {
  try {
    return JSON.parse(await readFile(keyFile, "utf8")) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`Cannot read the local signing key ${keyFile}: ${(error as Error).message}`);
    }
  }
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: ALGORITHM };
  await writeFile(keyFile, JSON.stringify(jwk, null, 2), { mode: 0o600 });
  return jwk;
}
