import { Errors } from "../errors";
import type { FileKey } from "./keys";
import { isValidKey } from "./keys";

/** A validated tenant id. */
export type TenantId = string & { readonly __brand: "TenantId" };

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** True when `value` can be a tenant id: 1–64 of `A-Z a-z 0-9 _ -`, not starting with `_`/`-`. */
export function isValidTenant(value: unknown): value is TenantId {
  return typeof value === "string" && TENANT.test(value);
}

/** Throws `forbidden` (403) unless `value` is a usable tenant id. */
export function mustBeValidTenant(value: unknown): asserts value is TenantId {
  if (!isValidTenant(value)) throw Errors.forbidden("The token carries no usable tenant");
}

/** Every tenant's objects live under this prefix of the bucket. */
export const TENANT_ROOT = "tenants/";

/**
 * The S3 object key of a tenant's file: the one place the layout is defined.
 *
 * @example objectKeyFor("acme", "a/b.txt") // "tenants/acme/a/b.txt"
 */
export function objectKeyFor(tenant: TenantId, key: FileKey): string {
  return `${TENANT_ROOT}${tenant}/${key}`;
}

/** The S3 prefix holding every object of `tenant` whose file key starts with `prefix`. */
export function objectPrefixFor(tenant: TenantId, prefix = ""): string {
  return `${TENANT_ROOT}${tenant}/${prefix}`;
}

/**
 * The inverse of {@link objectKeyFor}: the tenant and file key of an S3 object key, or
 * `undefined` for an object outside the tenant layout.
 */
export function parseObjectKey(objectKey: string): { tenant: TenantId; key: FileKey } | undefined {
  if (!objectKey.startsWith(TENANT_ROOT)) return undefined;
  const rest = objectKey.slice(TENANT_ROOT.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return undefined;
  const tenant = rest.slice(0, slash);
  const key = rest.slice(slash + 1);
  if (!isValidTenant(tenant) || !isValidKey(key)) return undefined;
  return { tenant, key };
}
