import { LimitsUpdateSchema, type TenantAccounts } from "@filegate/core/accounts";
import { Errors } from "@filegate/core/errors";
import { isValidTenant } from "@filegate/core/tenancy";
import { parseBody } from "@filegate/core/uploads";
import { accounts } from "../lib/accounts";
import { json, mustHaveScope, route, TENANTS_ADMIN_SCOPE } from "./boundary";

/**
 * `PUT /tenants/{tenant}/limits` `{maxObjectBytes?, maxBytes?, maxObjects?, allowedContentTypes?}`:
 * sets a tenant's own limits (`null` = unlimited); operators only (scope `tenants:admin`).
 */
export const putLimits = ({ accounts }: { accounts: Pick<TenantAccounts, "setLimits"> }) =>
  route(async (request) => {
    mustHaveScope(request, TENANTS_ADMIN_SCOPE);
    const tenant = request.event.pathParameters?.tenant ?? "";
    if (!isValidTenant(tenant)) throw Errors.badRequest("tenant must be a tenant id");
    const update = parseBody(LimitsUpdateSchema, request.body());
    return json(200, { tenant, limits: await accounts.setLimits(tenant, update) });
  });

export const handler = putLimits({ accounts });
