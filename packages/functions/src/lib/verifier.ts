import { limitsOncePerTenant } from "@filegate/core/accounts";
import type { Arrival, Verdict } from "@filegate/core/uploads";
import { UploadVerifier } from "@filegate/core/uploads";
import { accounts } from "./accounts";
import { auditLog } from "./audit-log";
import { intents } from "./intents";

/** Verification of arrived objects against their intents, grants and limits. */
export const verifier = new UploadVerifier({ intents, audit: auditLog, accounts });

/**
 * Verification for one batch of S3 events: each tenant's limits are read once for the whole
 * batch rather than once per record.
 */
export function batchVerifier(): (arrival: Arrival) => Promise<Verdict> {
  const batch = new UploadVerifier({
    intents,
    audit: auditLog,
    accounts: limitsOncePerTenant(accounts),
  });
  return (arrival) => batch.verify(arrival);
}
