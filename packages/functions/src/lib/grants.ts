import { GrantIssuer } from "@filegate/core/audit";
import { auditLog } from "./audit-log";
import { keyring } from "./keyring";
import { presigner } from "./presigner";

/** Presigned requests with their audit records (writes attested with the service's key). */
export const grants = new GrantIssuer(presigner, auditLog, keyring);
