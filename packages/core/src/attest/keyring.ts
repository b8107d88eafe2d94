import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Errors } from "../errors";

/** A key id: what a sealed value names its key by. */
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
/** The shortest key accepted, bytes (HMAC-SHA256 wants at least its output length). */
export const MIN_KEY_BYTES = 32;

/**
 * The service's MAC keys: the first one signs, every one verifies. Rotation is a new key put
 * first (`new:…,old:…`): values sealed under the old one keep verifying until it is dropped.
 */
export interface Keyring {
  /** The key that seals new values; `undefined` when none is configured. */
  readonly signing: { id: string; key: Buffer } | undefined;
  /** The key of an id, for verifying. */
  key(id: string): Buffer | undefined;
}

/** Why a keyring value is not one, or `undefined` when it is (an empty value is an empty keyring). */
export function keyringProblem(value: string): string | undefined {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    if (colon < 0 || !KEY_ID.test(id))
      return "each key must be id:base64 (id: 1 to 16 of A-Z a-z 0-9 _ -)";
    if (seen.has(id)) return `key id ${id} is given twice`;
    seen.add(id);
    const secret = entry.slice(colon + 1);
    if (
      !/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret) ||
      Buffer.from(secret, "base64").length < MIN_KEY_BYTES
    ) {
      return `key ${id} must be at least ${MIN_KEY_BYTES} bytes, base64`;
    }
  }
  return undefined;
}

/**
 * The keyring of a setting's value, `id:base64key,...` (the first signs); empty: no key.
 *
 * @example parseKeyring("k2:…,k1:…").signing?.id // "k2"
 */
export function parseKeyring(value: string): Keyring {
  const problem = keyringProblem(value);
  if (problem) throw new RangeError(`Invalid attestation keys: ${problem}`);
  const keys = new Map<string, Buffer>();
  let signing: Keyring["signing"];
  for (const entry of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    const key = Buffer.from(entry.slice(colon + 1), "base64");
    keys.set(id, key);
    signing ??= { id, key };
  }
  return { signing, key: (id) => keys.get(id) };
}

/** A fresh keyring entry (`id:base64key`), for a key file or a stage's secret. */
export function newKeyringEntry(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(MIN_KEY_BYTES).toString("base64")}`;
}

/** The signing key, or 503 `attestation_unconfigured` when the service has none. */
export function signingKey(keyring: Keyring): { id: string; key: Buffer } {
  if (!keyring.signing) throw Errors.attestationUnconfigured();
  return keyring.signing;
}

function mac(key: Buffer, purpose: string, context: string, payload: string): string {
  return createHmac("sha256", key).update(`${purpose}\n${context}\n${payload}`).digest("base64url");
}

/**
 * Seals a payload (base64url text) for one purpose and context: `<key id>.<payload>.<mac>`,
 * the MAC over all three so that a value sealed for one purpose or context verifies for no
 * other. Throws 503 `attestation_unconfigured` without a signing key.
 */
export function seal(keyring: Keyring, purpose: string, context: string, payload: string): string {
  const { id, key } = signingKey(keyring);
  return `${id}.${payload}.${mac(key, purpose, context, payload)}`;
}

/** The payload of a sealed value, or `undefined` when it is malformed, altered, or under an unknown key. */
export function unseal(
  keyring: Keyring,
  purpose: string,
  context: string,
  sealed: string,
): string | undefined {
  const [id, payload, tag, ...rest] = sealed.split(".");
  if (rest.length > 0 || !id || !payload || !tag) return undefined;
  const key = keyring.key(id);
  if (!key) return undefined;
  const expected = Buffer.from(mac(key, purpose, context, payload));
  const given = Buffer.from(tag);
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : undefined;
}
