import { join } from "node:path";
import type { ReconcileSummary } from "@filegate/core/reconcile";
import { JOBS } from "@filegate/functions/workers";
import type { Context } from "aws-lambda";
import { ATTESTATION_KEY_FILE, readOrCreate } from "./attestation";
import type { EventBridge } from "./bridge";
import { configureHandlerEnvironment, importHandler } from "./handlers";
import { lambdaContext } from "./lambda";
import { DEFAULT_DIR, type LocalState } from "./state";

/** Locally, events land within milliseconds: a few seconds of grace is plenty. */
export const LOCAL_GRACE_SECONDS = 5;

/**
 * The event the reconciler's schedule sends: `infra/jobs.ts` gives its `sst.aws.CronV2` no
 * `event`, and SST then has EventBridge Scheduler send `{}`.
 */
export const SCHEDULED_EVENT: Readonly<Record<string, never>> = Object.freeze({});

/** The reconciler function's handler (`JOBS.reconciler`): an event and a context in, a summary out. */
export type ReconcilerHandler = (event: unknown, context: Context) => Promise<ReconcileSummary>;

/** What one run is asked to do: every tenant (as scheduled) or one, for real or as a dry run. */
export interface ReconcileRequest {
  tenant?: string | undefined;
  dryRun?: boolean | undefined;
}

/**
 * The event to invoke the reconciler with: the schedule's own, or `{"tenant": "acme"}` for one
 * tenant as an operator invokes it on AWS (`dryRun` added only when asked for).
 *
 * @example reconcilerEvent({ tenant: "acme" }) // { tenant: "acme" }
 */
export function reconcilerEvent(request: ReconcileRequest = {}): Record<string, unknown> {
  return {
    ...SCHEDULED_EVENT,
    ...(request.tenant ? { tenant: request.tenant } : {}),
    ...(request.dryRun ? { dryRun: true } : {}),
  };
}

/** The reconciler function's own variables, with the grace period of this run. */
export function reconcilerEnvironment(graceSeconds: number): Record<string, string> {
  return {
    ...JOBS.reconciler.environment,
    FILEGATE_RECONCILE_GRACE_SECONDS: String(graceSeconds),
  };
}

/** Imports the very handler `JOBS.reconciler` names (its environment set beforehand). */
export async function loadReconciler(): Promise<ReconcilerHandler> {
  return (await importHandler(JOBS.reconciler.handler)) as ReconcilerHandler;
}

/** Invokes the reconciler as Lambda would: with `event` and a context of the job's timeout. */
export function invokeReconciler(
  handler: ReconcilerHandler,
  event: Record<string, unknown>,
): Promise<ReconcileSummary> {
  const timeoutMs = JOBS.reconciler.timeoutMinutes * 60_000;
  return handler(event, lambdaContext("filegate-local-reconciler", timeoutMs));
}

/**
 * `npm run reconcile`: runs the reconciler's handler in this process against a running local
 * stack, from its local.json, with the event its schedule sends (or one tenant's). Its repair
 * logs (warnings) go to stderr; the summary is returned.
 */
export async function reconcileLocal(
  state: LocalState,
  request: ReconcileRequest & { graceSeconds?: number } = {},
): Promise<ReconcileSummary> {
  // A state written before the stack kept attestation keys names no key file: the default one.
  const keys = await readOrCreate(
    state.attestation?.keyFile ?? join(DEFAULT_DIR, ATTESTATION_KEY_FILE),
  );
  configureHandlerEnvironment({
    region: state.region,
    credentials: state.credentials,
    bucket: state.bucket,
    table: state.table,
    s3Endpoint: state.s3.endpoint,
    dynamoEndpoint: state.dynamodb.endpoint,
    // Info lines would go to stdout, which carries the summary.
    logLevel: "WARN",
    extra: {
      ...reconcilerEnvironment(request.graceSeconds ?? LOCAL_GRACE_SECONDS),
      FILEGATE_ATTESTATION_KEYS: process.env.FILEGATE_ATTESTATION_KEYS?.trim() || keys,
    },
  });
  return invokeReconciler(await loadReconciler(), reconcilerEvent(request));
}

/**
 * Runs the reconciler once the bridge is idle — the events kept from the last run delivered —
 * and logs its summary: what the stack does at start. `cancel` stops waiting (at stop).
 */
export function reconcileWhenIdle(
  bridge: Pick<EventBridge, "idle">,
  options: { run(): Promise<ReconcileSummary>; log(line: string): void },
): { done: Promise<ReconcileSummary | undefined>; cancel(): Promise<void> } {
  let cancel = () => {};
  const cancelled = new Promise<false>((resolve) => {
    cancel = () => resolve(false);
  });
  const done = Promise.race([bridge.idle().then(() => true), cancelled])
    .then((ready) => (ready ? options.run() : undefined))
    .then(
      (summary) => {
        if (summary) options.log(describeSummary(summary));
        return summary;
      },
      (error: Error) => {
        options.log(`reconciler failed at start: ${error.message}`);
        return undefined;
      },
    );
  return {
    done,
    async cancel() {
      cancel();
      await done;
    },
  };
}

/** One line about a run, for the stack's log. */
export function describeSummary(summary: ReconcileSummary): string {
  const { found, fixed } = summary;
  return (
    `reconciled ${summary.scope === "*" ? "every tenant" : `tenant ${summary.scope}`}: ` +
    `${summary.objects} objects, ${summary.indexed} indexed; ` +
    `found ${found.missing} missing, ${found.outdated} outdated, ${found.gone} gone; ` +
    `fixed ${fixed.added + fixed.updated + fixed.tombstoned}, skipped ${summary.skipped}`
  );
}
