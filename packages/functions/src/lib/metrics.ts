import { Metrics } from "@aws-lambda-powertools/metrics";
import { METRICS } from "../observability";

/** Counters in CloudWatch's embedded metric format (the `service` dimension is set). */
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

/** Flushes what was counted (and nothing, with no warning, when nothing was). */
export function publishMetrics(store: Pick<Metrics, "hasStoredMetrics" | "publishStoredMetrics">) {
  if (store.hasStoredMetrics()) store.publishStoredMetrics();
}
