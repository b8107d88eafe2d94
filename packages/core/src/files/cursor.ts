import * as z from "zod/mini";
import { Errors } from "../errors";
import { isValidKey } from "../tenancy";

const CursorSchema = z.strictObject({
  v: z.literal(1),
  t: z.string(),
  p: z.string(),
  k: z.string(),
});

/**
 * An opaque listing cursor: the last key of the page, bound to the tenant and prefix it was
 * issued for. It is only a position: the query is always rebuilt from the caller's own
 * tenant, so a forged cursor can at worst skip within the caller's own files.
 */
export function encodeCursor(tenant: string, prefix: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: tenant, p: prefix, k: lastKey })).toString(
    "base64url",
  );
}

/** The last key of the previous page; `invalid_cursor` (400) unless it was issued to this tenant and prefix. */
export function decodeCursor(cursor: string, tenant: string, prefix: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw Errors.invalidCursor("it is malformed");
  let parsed: z.infer<typeof CursorSchema>;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw Errors.invalidCursor("it is malformed");
  }
  if (parsed.t !== tenant) throw Errors.invalidCursor("it was issued to another tenant");
  if (parsed.p !== prefix) throw Errors.invalidCursor("it was issued for another prefix");
  if (!parsed.k.startsWith(prefix) || !isValidKey(parsed.k)) {
    throw Errors.invalidCursor("it is malformed");
  }
  return parsed.k;
}
