import { Errors } from "../errors";
import { mustBeValidTenant, type TenantId } from "../tenancy";

/** Who is calling: the tenant whose files they may touch, who they are, and extra rights. */
export interface Principal {
  tenant: TenantId;
  /** The token's `sub`. */
  actor: string;
  scopes: ReadonlySet<string>;
}

/** JWT claims as API Gateway hands them to a handler: values are strings (or numbers, booleans). */
export type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The principal of verified JWT claims. No claims at all is a 401; claims without a usable
 * tenant (in the claim named `tenantClaim`) or subject are a 403.
 *
 * @example principalFromClaims({ sub: "u1", tenant: "acme", scope: "audit:read" }, "tenant")
 */
export function principalFromClaims(claims: Claims | undefined, tenantClaim: string): Principal {
  if (!claims || Object.keys(claims).length === 0) throw Errors.unauthorized();
  const tenant = claims[tenantClaim];
  mustBeValidTenant(tenant);
  const actor = claims.sub;
  if (typeof actor !== "string" || actor.length === 0 || actor.length > 256) {
    throw Errors.forbidden("The token carries no subject");
  }
  return { tenant, actor, scopes: parseScopes(claims.scope ?? claims.scp) };
}

/**
 * Scopes from a `scope` claim: a space-separated string, a JSON-ish list as API Gateway
 * renders arrays (`"[a b]"`), or an array.
 */
export function parseScopes(value: Claims[string]): Set<string> {
  if (Array.isArray(value)) return new Set(value.filter((s) => s.length > 0));
  if (typeof value !== "string") return new Set();
  const trimmed = value.trim().replace(/^\[(.*)\]$/, "$1");
  return new Set(trimmed.split(/[\s,]+/).filter((s) => s.length > 0));
}
