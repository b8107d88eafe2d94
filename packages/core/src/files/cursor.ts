import { type Keyring, seal, unseal } from "../attest/keyring";
import { Errors } from "../errors";
import { isValidKey } from "../tenancy";

const PURPOSE = "filegate-list-cursor-v1";

/**
 * An opaque listing cursor: the last key of the page, sealed with the service's keyring for
 * the tenant and prefix it was issued for (`<key id>.<key>.<mac>`). Any alteration, or use for
 * another tenant or prefix, is refused; the query is rebuilt from the caller's own tenant
 * anyway. 503 `attestation_unconfigured` when the stage has no key to seal with.
 */
export function encodeCursor(
  keyring: Keyring,
  tenant: string,
  prefix: string,
  lastKey: string,
): string {
  const payload = Buffer.from(lastKey).toString("base64url");
  return seal(keyring, PURPOSE, JSON.stringify([tenant, prefix]), payload);
}

/** The last key of the previous page; `invalid_cursor` (400) unless issued, unaltered, to this tenant and prefix. */
export function decodeCursor(
  keyring: Keyring,
  cursor: string,
  tenant: string,
  prefix: string,
): string {
  if (!/^[A-Za-z0-9_.-]{1,4096}$/.test(cursor)) throw Errors.invalidCursor("it is malformed");
  const payload = unseal(keyring, PURPOSE, JSON.stringify([tenant, prefix]), cursor);
  if (payload === undefined) {
    throw Errors.invalidCursor("it was altered, or issued for another tenant or prefix");
  }
  const key = Buffer.from(payload, "base64url").toString("utf8");
  if (!key.startsWith(prefix) || !isValidKey(key)) throw Errors.invalidCursor("it is malformed");
  return key;
}
