import { functionEnvironment } from "./config";
import { bucket, table } from "./storage";

/** How often the reconciler compares the bucket with the index. */
export const RECONCILE_SCHEDULE = "rate(1 hour)";

/**
 * The reconciler: every hour, compares every tenant's objects with the index and repairs
 * the index (missing files added, files whose object is gone tombstoned). Invoke it by hand
 * for one tenant with the event `{"tenant": "acme"}` (see docs/operations.md).
 */
export const reconciler = new sst.aws.CronV2("Reconciler", {
  schedule: RECONCILE_SCHEDULE,
  function: {
    handler: "packages/functions/src/scheduled/reconcile.handler",
    link: [bucket, table],
    timeout: "15 minutes",
    memory: "1024 MB",
    environment: { ...functionEnvironment, FILEGATE_RECONCILE_GRACE_SECONDS: "120" },
  },
});
