import { randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { jwtVerifier } from "./authorizer";

export const LOCAL_ISSUER = "filegate-local";
export const LOCAL_AUDIENCE = "filegate";
/** The local authority signs as the identity providers API Gateway accepts do: RSA. */
export const LOCAL_ALGORITHM = "RS256";

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
  /** The `kid` of the signing key, in every token's header and in the key set. */
  kid: string;
  /** The public key set, as an issuer publishes it at its `jwks_uri`. */
  jwks: JSONWebKeySet;
  /** Where that key set is written (`jwks.json` beside the signing key). */
  jwksFile: string;
  /** Signs a token the local stack accepts. */
  issue(request: TokenRequest): Promise<string>;
  /** The verified claims of a token, checked as API Gateway's JWT authorizer checks them. */
  verify(token: string): Promise<JWTPayload>;
}

/** The public key set file beside a signing key file. */
export function jwksFileFor(keyFile: string): string {
  return join(dirname(keyFile), "jwks.json");
}

/**
 * The local stack's token authority, standing in for the identity provider API Gateway's JWT
 * authorizer trusts on AWS: an RS256 key pair with a `kid`, kept in `keyFile` (created on
 * first use; a key of another type, such as the ES256 keys of earlier versions, is replaced
 * and `log` says so), its public key set written to `jwks.json` beside it.
 */
export async function loadAuthority(
  keyFile: string,
  tenantClaim: string,
  options: { log?(line: string): void } = {},
): Promise<LocalAuthority> {
  const jwk = await loadOrCreateKey(keyFile, options.log ?? ((line) => console.error(line)));
  const kid = jwk.kid as string;
  const privateKey = await importJWK(jwk, LOCAL_ALGORITHM);
  const jwks: JSONWebKeySet = { keys: [publicJwk(jwk)] };
  const jwksFile = jwksFileFor(keyFile);
  await writeAtomically(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, 0o644);
  const verify = jwtVerifier({ issuer: LOCAL_ISSUER, audiences: [LOCAL_AUDIENCE], jwks });
  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    tenantClaim,
    kid,
    jwks,
    jwksFile,
    async issue({ tenant, sub, scope, expiresIn = 3600 }) {
      return new SignJWT({ [tenantClaim]: tenant, ...(scope ? { scope } : {}) })
        .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid, typ: "JWT" })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${expiresIn}s`)
        .sign(privateKey);
    },
    verify,
  };
}

/** The public half of an RSA private JWK, as a key set entry. */
function publicJwk(jwk: JWK): JWK {
  return { kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: LOCAL_ALGORITHM, use: "sig" } as JWK;
}

async function loadOrCreateKey(keyFile: string, log: (line: string) => void): Promise<JWK> {
  let existing: JWK | undefined;
  try {
    existing = JSON.parse(await readFile(keyFile, "utf8")) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`Cannot read the local signing key ${keyFile}: ${(error as Error).message}`);
    }
  }
  if (existing?.kty === "RSA" && existing.d && existing.kid) return existing;

  const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: "RSA", n: exported.n, e: exported.e } as JWK);
  const jwk: JWK = { ...exported, kid, alg: LOCAL_ALGORITHM, use: "sig" };
  await writeAtomically(keyFile, JSON.stringify(jwk, null, 2), 0o600);
  if (existing) {
    log(
      `Replaced the ${existing.alg ?? existing.kty ?? "unknown"} signing key in ${keyFile} with an ` +
        `${LOCAL_ALGORITHM} key (kid ${kid}): API Gateway's JWT authorizer takes RSA keys only. ` +
        "Tokens signed with the old key are refused; sign new ones with npm run token.",
    );
  }
  return jwk;
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
export async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, file);
}
