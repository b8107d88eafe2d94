import type { AccountLookup } from "@filegate/core/accounts";
import { Errors } from "@filegate/core/errors";
import { isValidTenant } from "@filegate/core/tenancy";
import { accountLookup } from "../lib/account-lookup";
import { json, mustHaveScope, route, TENANTS_ADMIN_SCOPE } from "./boundary";

/**
 * `GET /usage`: where the caller's tenant stands — bytes and files used, reserved by pending
 * uploads, and its limits. `?tenant=<id>` reads another tenant (scope `tenants:admin`).
 */
export const getUsage = ({ accounts }: { accounts: Pick<AccountLookup, "standing"> }) =>
  route(async (request) => {
    const asked = request.query("tenant");
    let tenant: string = request.principal.tenant;
    if (asked !== undefined) {
      mustHaveScope(request, TENANTS_ADMIN_SCOPE);
      if (!isValidTenant(asked)) throw Errors.badRequest("tenant must be a tenant id");
      tenant = asked;
    }
    const { used, reserved, limits } = await accounts.standing(tenant);
    return json(200, { tenant, used, reserved, limits });
  });

export const handler = getUsage({ accounts: accountLookup });
