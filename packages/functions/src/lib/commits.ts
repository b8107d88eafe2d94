import { EventCommitter } from "@filegate/core/events";
import { Resource } from "sst";
import { auditLog } from "./audit-log";
import { dynamo } from "./dynamo";
import { settings } from "./settings";
import { usage } from "./usage";

/** The table side of event ingestion (batched reads, transactional writes); once per container. */
export const commits = new EventCommitter({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  journal: auditLog,
  accounts: usage,
  tombstoneTtlSeconds: settings.tombstoneTtlSeconds,
});
