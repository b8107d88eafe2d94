import { TenantAccounts } from "@filegate/core/accounts";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

/** Tenants' limits and usage counters. */
export const accounts = new TenantAccounts({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  defaults: settings.defaultLimits,
});
