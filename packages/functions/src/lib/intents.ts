import { UploadIntents } from "@filegate/core/uploads";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

/** Upload intents. */
export const intents = new UploadIntents({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  retentionSeconds: settings.auditRetentionSeconds,
});
