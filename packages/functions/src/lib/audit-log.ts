import { AuditJournal } from "@filegate/core/audit";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { settings } from "./settings";

/** The audit journal, on the linked table; built once per container. */
export const auditLog = new AuditJournal({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  retentionSeconds: settings.auditRetentionSeconds,
});
