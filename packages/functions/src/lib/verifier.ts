import { limitsOncePerTenant } from "@filegate/core/accounts";
import type { Arrival, Verdict } from "@filegate/core/uploads";
import { UploadVerifier } from "@filegate/core/uploads";
import { accounts } from "./accounts";
import { keyring } from "./keyring";

/** Verification of arrived objects: their attestations, in memory, and the tenant's limits. */
export const verifier = new UploadVerifier({ keyring, accounts });

/**
 * Verification for one batch of S3 events: each tenant's limits are read once for the whole
 * batch rather than once per record.
 */
export function batchVerifier(): (arrival: Arrival) => Promise<Verdict> {
  const batch = new UploadVerifier({ keyring, accounts: limitsOncePerTenant(accounts) });
  return (arrival) => batch.verify(arrival);
}
