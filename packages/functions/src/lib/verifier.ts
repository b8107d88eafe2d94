import { UploadVerifier } from "@filegate/core/uploads";
import { accounts } from "./accounts";
import { auditLog } from "./audit-log";
import { intents } from "./intents";

/** Verification of arrived objects against their intents, grants and limits. */
export const verifier = new UploadVerifier({ intents, audit: auditLog, accounts });
