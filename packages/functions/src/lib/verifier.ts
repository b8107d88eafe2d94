import { UploadVerifier } from "@filegate/core/uploads";
import { accounts, intents } from "./accounts";
import { auditLog } from "./audit-log";

/** Verification of arrived objects against their intents, grants and limits. */
export const verifier = new UploadVerifier({ intents, audit: auditLog, accounts });
