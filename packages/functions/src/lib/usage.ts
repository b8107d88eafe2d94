import { TenantUsage } from "@filegate/core/accounts";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

/** Tenants' limits and the usage counters S3 events move (the subscriber's side of accounts). */
export const usage = new TenantUsage({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  defaults: settings.defaultLimits,
});
