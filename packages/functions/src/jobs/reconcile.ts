import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { loadOperationsSettings } from "@filegate/core/config";
import {
  ReconcileCheckpoint,
  type ReconcileDeps,
  type ReconcileSummary,
  reconcile,
} from "@filegate/core/reconcile";
import { headObjectDescriber, s3ObjectLister } from "@filegate/core/storage";
import { isValidTenant } from "@filegate/core/tenancy";
import type { Context } from "aws-lambda";
import { Resource } from "sst";
import { accounts } from "../lib/accounts";
import { auditLog } from "../lib/audit-log";
import { dynamo } from "../lib/dynamo";
import { fileIndex } from "../lib/file-index";
import { intents } from "../lib/intents";
import { logger } from "../lib/logger";
import { metrics, publishMetrics } from "../lib/metrics";
import { presigner } from "../lib/presigner";
import { s3 } from "../lib/s3";
import { uploads } from "../lib/uploads";
import { verifier } from "../lib/verifier";
import { METRICS } from "../observability";

/** Time kept back from the Lambda timeout to finish the page at hand and report. */
const RESERVE_MS = 60_000;

export interface ReconcilerDeps {
  reconcile: ReconcileDeps;
  /** Where all-tenant runs stopped by their deadline left off. */
  checkpoint: Pick<ReconcileCheckpoint, "get" | "save" | "clear">;
  graceSeconds: number;
  logger: Pick<Logger, "info" | "warn">;
  metrics: Pick<Metrics, "addMetric" | "hasStoredMetrics" | "publishStoredMetrics">;
}

/**
 * The scheduled reconciler: compares the bucket with the index for every tenant (or the one
 * named by an invocation with `{"tenant": "acme"}`), repairs the index, logs each repair and
 * the summary, and counts what it found and fixed. Stops between pages before the timeout;
 * the next all-tenant run goes on after the last tenant it compared (`{"fromStart": true}`
 * starts over instead). `{"dryRun": true}` reports what it would repair and changes nothing.
 */
export function createReconciler(deps: ReconcilerDeps) {
  return async (event: unknown, context: Context): Promise<ReconcileSummary> => {
    const { tenant, fromStart, dryRun } = (event ?? {}) as {
      tenant?: unknown;
      fromStart?: unknown;
      dryRun?: unknown;
    };
    if (tenant !== undefined && !isValidTenant(tenant)) {
      throw new Error(`Invalid tenant to reconcile: ${JSON.stringify(tenant)}`);
    }
    if (fromStart !== undefined && typeof fromStart !== "boolean") {
      throw new Error(`fromStart must be true or false: ${JSON.stringify(fromStart)}`);
    }
    if (dryRun !== undefined && typeof dryRun !== "boolean") {
      throw new Error(`dryRun must be true or false: ${JSON.stringify(dryRun)}`);
    }
    try {
      // Only all-tenant runs move the checkpoint; one tenant's run leaves it as it is.
      const after = tenant || fromStart ? undefined : await deps.checkpoint.get();
      const summary = await reconcile(deps.reconcile, {
        ...(tenant ? { tenant } : {}),
        ...(after ? { after } : {}),
        ...(dryRun ? { dryRun } : {}),
        graceSeconds: deps.graceSeconds,
        deadline: Date.now() + context.getRemainingTimeInMillis() - RESERVE_MS,
        onRepair: (repair) => deps.logger.warn(`reconciler ${repair.action}`, { ...repair }),
      });
      if (!tenant && !dryRun) {
        if (summary.complete) await deps.checkpoint.clear();
        else if (summary.resumeAfter) await deps.checkpoint.save(summary.resumeAfter);
      }
      const { found, fixed } = summary;
      const count = (name: string, value: number) =>
        deps.metrics.addMetric(name, MetricUnit.Count, value);
      count(METRICS.names.reconcileFound, found.missing + found.outdated + found.gone);
      count(
        METRICS.names.reconcileRepaired,
        fixed.added + fixed.updated + fixed.quarantined + fixed.tombstoned,
      );
      count(METRICS.names.reconcileSkipped, summary.skipped);
      count(METRICS.names.reconcileIncomplete, summary.complete ? 0 : 1);
      deps.logger.info("reconciled", { ...summary, repairs: summary.repairs.length });
      return summary;
    } finally {
      publishMetrics(deps.metrics);
    }
  };
}

export const handler = createReconciler({
  reconcile: {
    index: fileIndex,
    audit: auditLog,
    accounts,
    intents,
    verify: (arrival) => verifier.verify(arrival),
    recount: async (tenant) => (await uploads.recount(tenant)).changed,
    bucket: Resource.FileBucket.name,
    objects: s3ObjectLister(s3, Resource.FileBucket.name),
    describeObject: headObjectDescriber(presigner),
  },
  checkpoint: new ReconcileCheckpoint({ client: dynamo, tableName: Resource.FileIndex.name }),
  graceSeconds: loadOperationsSettings(process.env).reconcileGraceSeconds,
  logger,
  metrics,
});
