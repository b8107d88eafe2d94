import { GrantIssuer, GrantRecorder } from "@filegate/core/audit";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { keyring } from "./keyring";
import { presigner } from "./presigner";
import { settings } from "./settings";

/**
 * Presigned requests with their audit records (writes attested with the service's key). The
 * redirect routes only record grants, so they build the journal's writer, not all of it.
 */
export const grants = new GrantIssuer(
  presigner,
  new GrantRecorder({
    client: dynamo,
    tableName: Resource.FileIndex.name,
    retentionSeconds: settings.auditRetentionSeconds,
  }),
  keyring,
);
