import { Errors } from "@filegate/core/errors";
import { isValidTenant } from "@filegate/core/tenancy";
import type { TenantAccounts } from "@filegate/core/uploads";
import { accounts } from "../lib/accounts";
import { json, mustHaveScope, route } from "./boundary";

/** The scope that lets an operator read and set any tenant's limits. */
export const TENANTS_ADMIN_SCOPE = "tenants:admin";

/**
 * `GET /usage`: where the caller's tenant stands — bytes and files used, reserved by pending
 * uploads, and its limits. `?tenant=<id>` reads another tenant (scope `tenants:admin`).
 */
export const getUsage = ({ accounts }: { accounts: Pick<TenantAccounts, "usage" | "limits"> }) =>
  route(async (request) => {
    const asked = request.query("tenant");
    let tenant: string = request.principal.tenant;
    if (asked !== undefined) {
      mustHaveScope(request, TENANTS_ADMIN_SCOPE);
      if (!isValidTenant(asked)) throw Errors.badRequest("tenant must be a tenant id");
      tenant = asked;
    }
    const [usage, limits] = await Promise.all([accounts.usage(tenant), accounts.limits(tenant)]);
    return json(200, { tenant, ...usage, limits });
  });

export const handler = getUsage({ accounts });
