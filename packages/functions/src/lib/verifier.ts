import { limitsOncePerTenant } from "@filegate/core/accounts";
import type { Arrival, Verdict } from "@filegate/core/uploads";
import { UploadVerifier } from "@filegate/core/uploads";
import { accounts } from "./accounts";
import { keyring } from "./keyring";

/** Verification of arrived objects: their attestations, in memory, and the tenant's limits. */
export const verifier = new UploadVerifier({ keyring, accounts });

/**
 * Verification for one batch of S3 events: each tenant's limits are read once for the whole
 * batch rather than once per record, and can be asked for ahead of the first record.
 */
export function batchVerifier(): {
  verify: (arrival: Arrival) => Promise<Verdict>;
  prefetchLimits: (tenants: readonly string[]) => void;
} {
  const limits = limitsOncePerTenant(accounts);
  const batch = new UploadVerifier({ keyring, accounts: limits });
  return {
    verify: (arrival) => batch.verify(arrival),
    // A failed read is read again by the verification that needs it.
    prefetchLimits: (tenants) => {
      for (const tenant of tenants) limits.limits(tenant).catch(() => undefined);
    },
  };
}
