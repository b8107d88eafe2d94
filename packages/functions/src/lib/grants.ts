import { GrantIssuer } from "@filegate/core/audit";
import { auditLog } from "./audit-log";
import { presigner } from "./presigner";

/** Presigned requests with their audit records. */
export const grants = new GrantIssuer(presigner, auditLog);
