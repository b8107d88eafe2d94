import * as z from "zod/mini";
import { type Keyring, seal, unseal } from "../attest/keyring";
import { Errors } from "../errors";
import { isValidTenant, keyProblem } from "../tenancy";
import { AUDIT_ACTIONS, type AuditAction } from "./records";

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;
/** The scope that lets a caller read other tenants' audit records (`tenant=` parameter). */
export const AUDIT_ALL_SCOPE = "audit:read:all";

const EARLIEST = "0000-01-01T00:00:00.000Z";
const LATEST = "9999-12-31T23:59:59.999Z";

/** Whose records a query reads. */
export type AuditScope = { tenant: string } | { tenant: "*" };

/** A validated audit query: one file's history, or a time range of one tenant or all. */
export interface AuditQuery {
  scope: AuditScope;
  /** One file's history (pattern 3); only with a single tenant. */
  key?: string;
  /** Inclusive bounds, as normalised ISO 8601 UTC strings. */
  from: string;
  to: string;
  actor?: string;
  action?: AuditAction;
  limit: number;
  cursor?: string;
}

/** Whether an ISO date-time falls in the years 0000 to 9999 once moved to UTC. */
const inRange = (value: string) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 0 && year <= 9999;
};

const instant = (name: string) =>
  z.pipe(
    z.iso
      .datetime({
        offset: true,
        error: `${name} must be an ISO 8601 date-time, e.g. 2026-11-25T10:00:00Z`,
      })
      .check(z.refine(inRange, `${name} must fall in the years 0000 to 9999 (UTC)`)),
    z.transform((value: string) => new Date(value).toISOString()),
  );

/** The query parameters of `GET /audit`, as the handler parses them (the OpenAPI document too). */
export const AuditParamsSchema = z.object({
  tenant: z.optional(z.string()),
  key: z.optional(z.string()),
  from: z.optional(instant("from")),
  to: z.optional(instant("to")),
  actor: z.optional(
    z
      .string()
      .check(z.minLength(1, "actor must not be empty"), z.maxLength(256, "actor is too long")),
  ),
  action: z.optional(
    z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]], {
      error: "action must be read, write or delete",
    }),
  ),
  limit: z.optional(
    z
      .pipe(z.string().check(z.regex(/^\d+$/, "limit must be a whole number")), z.transform(Number))
      .check(
        z.refine(
          (n: number) => n >= 1 && n <= MAX_AUDIT_PAGE,
          `limit must be from 1 to ${MAX_AUDIT_PAGE}`,
        ),
      ),
  ),
  cursor: z.optional(z.string().check(z.minLength(1))),
});

/**
 * Validates `GET /audit` parameters for a caller. A `tenant` parameter (one tenant, or `*`
 * for all) needs the {@link AUDIT_ALL_SCOPE} scope: 403 without it, whatever tenant it names.
 *
 * @example parseAuditQuery({ key: "a.txt" }, { tenant: "acme", scopes: new Set() })
 */
export function parseAuditQuery(
  params: Record<string, string | undefined>,
  caller: { tenant: string; scopes: ReadonlySet<string> },
): AuditQuery {
  const parsed = AuditParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw Errors.badRequest(parsed.error.issues.map((issue) => issue.message).join("; "));
  }
  const p = parsed.data;
  let scope: AuditScope = { tenant: caller.tenant };
  if (p.tenant !== undefined) {
    if (!caller.scopes.has(AUDIT_ALL_SCOPE)) {
      throw Errors.forbidden(
        `Reading other tenants' audit records needs the ${AUDIT_ALL_SCOPE} scope`,
      );
    }
    if (p.tenant !== "*" && !isValidTenant(p.tenant))
      throw Errors.badRequest("tenant must be a tenant id or *");
    scope = { tenant: p.tenant };
  }
  if (p.key !== undefined) {
    const problem = keyProblem(p.key);
    if (problem) throw Errors.invalidKey(problem);
    if (scope.tenant === "*")
      throw Errors.badRequest("A file's history (key=) needs one tenant, not *");
  }
  const from = p.from ?? EARLIEST;
  const to = p.to ?? LATEST;
  if (from > to) throw Errors.badRequest("from must not be after to");
  return {
    scope,
    ...(p.key !== undefined ? { key: p.key } : {}),
    from,
    to,
    ...(p.actor !== undefined ? { actor: p.actor } : {}),
    ...(p.action !== undefined ? { action: p.action } : {}),
    limit: p.limit ?? DEFAULT_AUDIT_PAGE,
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
  };
}

const PURPOSE = "filegate-audit-cursor-v1";
const POSITION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[a-z0-9]{28}$/;

/** What a cursor is bound to: the scope (so the tenant) and every filter of the query. */
function fingerprint(query: AuditQuery): string {
  const { scope, key, from, to, actor, action } = query;
  return JSON.stringify([scope.tenant, key ?? null, from, to, actor ?? null, action ?? null]);
}

/**
 * An opaque cursor: the position after which the next page starts, sealed with the service's
 * keyring for this very query (`<key id>.<position>.<mac>`).
 */
export function encodeAuditCursor(keyring: Keyring, query: AuditQuery, after: string): string {
  return seal(keyring, PURPOSE, fingerprint(query), Buffer.from(after).toString("base64url"));
}

/**
 * The position a cursor points after; `invalid_cursor` (400) when it is altered in any way,
 * was issued for another tenant or query, or points outside the query's time range.
 */
export function decodeAuditCursor(keyring: Keyring, query: AuditQuery, cursor: string): string {
  if (!/^[A-Za-z0-9_.-]{1,2048}$/.test(cursor)) throw Errors.invalidCursor("it is malformed");
  const payload = unseal(keyring, PURPOSE, fingerprint(query), cursor);
  if (payload === undefined) {
    throw Errors.invalidCursor("it was altered, or issued for another tenant or query");
  }
  const after = Buffer.from(payload, "base64url").toString("utf8");
  const time = after.slice(0, 24);
  if (!POSITION.test(after) || time < query.from || time > query.to) {
    throw Errors.invalidCursor("it is malformed");
  }
  return after;
}
