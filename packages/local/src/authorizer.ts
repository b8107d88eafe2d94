import { JWT_AUTHORIZER } from "@filegate/functions/edge";
import {
  type CryptoKey,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JSONWebKeySet,
  type JWTPayload,
} from "jose";

/** A token the authorizer refused, with the reason API Gateway's `WWW-Authenticate` gives. */
export class TokenRefused extends Error {
  override name = "TokenRefused";
  readonly code = "invalid_token";
  constructor(readonly description: string) {
    super(description);
  }
}

export interface AuthorizerConfig {
  issuer: string;
  /** The audiences the authorizer accepts (`aud`, or `client_id` when `aud` is absent). */
  audiences: readonly string[];
  /** The issuer's public keys: what API Gateway reads from the issuer's `jwks_uri`. */
  jwks: JSONWebKeySet;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

const ALGORITHMS: readonly string[] = JWT_AUTHORIZER.algorithms;

/**
 * A verifier applying the HTTP API JWT authorizer's checks, in its order: an RSA algorithm,
 * a `kid` found in the issuer's keys, the signature, then `iss`, `aud` (or `client_id` when
 * `aud` is absent), `exp` present and after now, `nbf` and `iat` not after now. No clock skew.
 * Resolves to the claims; rejects with {@link TokenRefused}.
 *
 * @example await jwtVerifier({ issuer, audiences: ["filegate"], jwks })(token)
 */
export function jwtVerifier(config: AuthorizerConfig): JwtVerifier {
  const keys = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const keyFor = (kid: string, alg: string) => {
    const id = `${kid} ${alg}`;
    let key = keys.get(id);
    if (!key) {
      const jwk = config.jwks.keys.find((candidate) => candidate.kid === kid);
      if (jwk?.kty !== "RSA") {
        throw new TokenRefused("the token's kid is not found in the issuer's keys");
      }
      const { alg: _alg, use: _use, key_ops: _ops, ...material } = jwk;
      key = importJWK(material, alg);
      keys.set(id, key);
    }
    return key;
  };

  return async (token) => {
    if (token.split(".").length !== 3) throw new TokenRefused("the token is malformed");
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRefused("the token is malformed");
    }
    const { alg, kid } = header;
    if (typeof alg !== "string" || !ALGORITHMS.includes(alg)) {
      throw new TokenRefused(`signing method ${String(alg)} is invalid`);
    }
    if (typeof kid !== "string" || kid === "") throw new TokenRefused("the token has no kid");
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, await keyFor(kid, alg), {
        algorithms: [alg],
      }));
    } catch (error) {
      if (error instanceof TokenRefused) throw error;
      throw new TokenRefused("the token signature is invalid");
    }
    const claims = parseClaims(payload);
    checkClaims(claims, config, config.now?.() ?? Date.now());
    return claims;
  };
}

function parseClaims(payload: Uint8Array): JWTPayload {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new TokenRefused("the token's claims are not JSON");
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) {
    throw new TokenRefused("the token's claims are not a JSON object");
  }
  return claims as JWTPayload;
}

function checkClaims(claims: JWTPayload, config: AuthorizerConfig, nowMs: number): void {
  if (claims.iss !== config.issuer)
    throw new TokenRefused("the token does not have a valid issuer");
  // API Gateway reads client_id only when aud is absent.
  const audience = claims.aud !== undefined ? claims.aud : claims.client_id;
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (!audiences.some((value) => typeof value === "string" && config.audiences.includes(value))) {
    throw new TokenRefused("the token does not have a valid audience");
  }
  const time = (name: "exp" | "nbf" | "iat") => {
    const value = claims[name];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TokenRefused(`the token's ${name} claim is not a number`);
    }
    return value * 1000;
  };
  const exp = time("exp");
  if (exp === undefined) throw new TokenRefused("the token has no exp claim");
  if (exp <= nowMs) throw new TokenRefused("the token has expired");
  const nbf = time("nbf");
  if (nbf !== undefined && nbf > nowMs) throw new TokenRefused("the token is not valid yet");
  const iat = time("iat");
  if (iat !== undefined && iat > nowMs) {
    throw new TokenRefused("the token was issued in the future");
  }
}
