import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { loadSettings } from "@filegate/core/config";
import { headObjectDescriber } from "@filegate/core/events";
import {
  type ReconcileOptions,
  type ReconcileSummary,
  reconcile,
  s3ObjectLister,
} from "@filegate/core/reconcile";
import { openStore } from "@filegate/core/store";
import { recountUsage } from "@filegate/core/uploads";
import type { EventBridge } from "./bridge";
import { presignerFor } from "./presigner";
import type { LocalState } from "./state";

/** Locally, events land within milliseconds: a few seconds of grace is plenty. */
export const LOCAL_GRACE_SECONDS = 5;

/**
 * Runs the reconciler against a local stack's emulators, from its local.json: the same core
 * code as the scheduled function on AWS, with clients pointed at the emulators.
 */
export async function reconcileLocal(
  state: LocalState,
  options: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const settings = loadSettings(process.env);
  const common = { region: state.region, credentials: { ...state.credentials } };
  const s3 = new S3Client({
    ...common,
    endpoint: state.s3.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamo = new DynamoDBClient({ ...common, endpoint: state.dynamodb.endpoint });
  const doc = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const store = openStore({ client: doc, tableName: state.table, settings });
  try {
    return await reconcile(
      {
        index: store.files,
        audit: store.audit,
        accounts: store.accounts,
        intents: store.intents,
        verify: (arrival) => store.verifier.verify(arrival),
        recount: async (tenant) => (await recountUsage(store, tenant)).changed,
        bucket: state.bucket,
        objects: s3ObjectLister(s3, state.bucket),
        describeObject: headObjectDescriber(presignerFor(state)),
      },
      { graceSeconds: LOCAL_GRACE_SECONDS, ...options },
    );
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
}

/**
 * Runs the reconciler once the bridge is idle — the events kept from the last run delivered —
 * and logs its summary: what the stack does at start. `cancel` stops waiting (at stop).
 */
export function reconcileWhenIdle(
  state: LocalState,
  bridge: Pick<EventBridge, "idle">,
  options: { graceSeconds: number; log(line: string): void },
): { done: Promise<ReconcileSummary | undefined>; cancel(): Promise<void> } {
  let cancel = () => {};
  const cancelled = new Promise<false>((resolve) => {
    cancel = () => resolve(false);
  });
  const done = Promise.race([bridge.idle().then(() => true), cancelled])
    .then((ready) =>
      ready ? reconcileLocal(state, { graceSeconds: options.graceSeconds }) : undefined,
    )
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
