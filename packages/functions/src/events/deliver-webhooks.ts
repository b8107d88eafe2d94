import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  type DeliveryDeps,
  type DeliveryOutcome,
  deliverMessage,
  parseWebhookMessage,
} from "@filegate/core/webhooks";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { logger } from "../lib/logger";
import { metrics, publishMetrics } from "../lib/metrics";
import { deliveryQueue } from "../lib/webhook-delivery-queue";
import { retrySchedule, targetPolicy } from "../lib/webhook-settings";
import { deliveryAttempts, webhookEndpoints } from "../lib/webhooks";
import { METRICS } from "../observability";

const COUNTED: Partial<Record<DeliveryOutcome, string>> = {
  delivered: METRICS.names.webhookDelivered,
  failed: METRICS.names.webhookFailed,
  refused: METRICS.names.webhookFailed,
  "dead-lettered": METRICS.names.webhookDeadLettered,
};

/**
 * The webhook delivery function: each queued message is one POST to one endpoint
 * ({@link deliverMessage}); a failed POST is queued again on the retry schedule, not thrown.
 * A message fails (and the queue retries it, then dead-letters it) only when it cannot be
 * read, queued again or recorded.
 */
export function createWebhookDelivery(deps: {
  delivery: DeliveryDeps;
  logger: Pick<Logger, "info" | "error">;
  metrics: Pick<Metrics, "addMetric" | "hasStoredMetrics" | "publishStoredMetrics">;
}) {
  return async (event: SQSEvent, context: Context) => {
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(
        event,
        async (record: SQSRecord) => {
          const message = parseWebhookMessage(record.body);
          const outcome = await deliverMessage(message, deps.delivery);
          const metric = COUNTED[outcome];
          if (metric) deps.metrics.addMetric(metric, MetricUnit.Count, 1);
          const fields = {
            outcome,
            endpoint: message.endpoint,
            webhookId: message.event.id,
            type: message.event.type,
            attempt: message.attempt,
          };
          if (outcome === "dead-lettered") deps.logger.error("webhook dead-lettered", fields);
          else deps.logger.info(`webhook ${outcome}`, fields);
        },
        processor,
        { context },
      );
    } finally {
      publishMetrics(deps.metrics);
    }
  };
}

export const handler = createWebhookDelivery({
  delivery: {
    endpoints: webhookEndpoints,
    attempts: deliveryAttempts,
    queue: deliveryQueue,
    policy: targetPolicy,
    schedule: retrySchedule,
  },
  logger,
  metrics,
});
