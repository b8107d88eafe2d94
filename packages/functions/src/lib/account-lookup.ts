import { AccountLookup } from "@filegate/core/accounts";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

/** Reads of tenants' limits and usage (the routes that only check them). */
export const accountLookup = new AccountLookup({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  defaults: settings.defaultLimits,
});
