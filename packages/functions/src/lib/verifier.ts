import { limitsOncePerTenant } from "@filegate/core/accounts";
import type { IngestDeps } from "@filegate/core/events";
import { UploadVerifier } from "@filegate/core/uploads";
import { keyring } from "./keyring";
import { usage } from "./usage";

/** Verification of arrived objects: their attestations, in memory, and the tenant's limits. */
export const verifier = new UploadVerifier({ keyring, accounts: usage });

/**
 * Verification for one batch of S3 events: each tenant's limits are read once for the whole
 * batch rather than once per record, with the batch's states when ingestion says so.
 */
export function batchVerifier(): Pick<IngestDeps, "verify" | "limitsRead"> {
  const limits = limitsOncePerTenant(usage);
  const batch = new UploadVerifier({ keyring, accounts: limits });
  return {
    verify: (arrival) => batch.verify(arrival),
    limitsRead: (tenants, items) => {
      for (const tenant of tenants) {
        limits.seed(
          tenant,
          items.then((found) => usage.limitsFrom(found.get(tenant))),
        );
      }
    },
  };
}
