import { TenantAccounts, UploadIntents } from "@filegate/core/uploads";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

const table = { client: dynamo, tableName: Resource.FileIndex.name };

/** Tenants' limits and usage counters. */
export const accounts = new TenantAccounts({ ...table, defaults: settings.defaultLimits });
/** Upload intents. */
export const intents = new UploadIntents({
  ...table,
  retentionSeconds: settings.auditRetentionSeconds,
});
