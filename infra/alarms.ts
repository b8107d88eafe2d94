import { METRICS } from "../packages/functions/src/observability";
import { api } from "./api";
import { deadLetters, queue, subscriber } from "./events";
import { drainWebhookOutbox, reconciler, sweepUploads } from "./jobs";
import { webhookDeadLetters, webhookQueue } from "./webhook-queues";
import { webhookDelivery } from "./webhooks";

/** Where alarms go: subscribe operators to it (docs/operations.md). */
export const alarms = new sst.aws.SnsTopic("Alarms");

type Metric = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  "namespace" | "metricName" | "dimensions" | "statistic"
>;

/** An alarm's name in CloudWatch: the app's, the stage's, then its own (`filegate-production-api-5xx`). */
export const alarmName = (name: string) => `${$app.name}-${$app.stage}-${name}`;

/**
 * An alarm when `metric` goes above `threshold` in `periods` periods of `period` seconds;
 * it notifies the topic when it fires and when it clears.
 */
function alarm(
  name: string,
  description: string,
  metric: Metric,
  { period = 300, periods = 1, threshold = 0 } = {},
) {
  return new aws.cloudwatch.MetricAlarm(name, {
    name: alarmName(name),
    alarmDescription: description,
    ...metric,
    period,
    evaluationPeriods: periods,
    threshold,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [alarms.arn],
    okActions: [alarms.arn],
  });
}

/** A count the functions emit (packages/functions/src/observability.ts). */
const filegate = (metricName: string, statistic = "Sum"): Metric => ({
  namespace: METRICS.namespace,
  metricName,
  dimensions: { service: METRICS.service },
  statistic,
});

/** A count Lambda keeps for a function (`Errors`, `Throttles`). */
const lambda = (metricName: string, functionName: $util.Input<string>): Metric => ({
  namespace: "AWS/Lambda",
  metricName,
  dimensions: { FunctionName: functionName },
  statistic: "Sum",
});

const subscriberName = subscriber.apply((s) => s.nodes.function.name);

alarm(
  "api-5xx",
  "The API answered 5xx: a handler failed (its logs: an AccessDenied names a missing permission)",
  {
    namespace: "AWS/ApiGateway",
    metricName: "5xx",
    dimensions: { ApiId: api.nodes.api.id },
    statistic: "Sum",
  },
);

alarm(
  "subscriber-errors",
  "The subscriber function failed (not a failed record: a whole invocation)",
  lambda("Errors", subscriberName),
);

alarm(
  "subscriber-throttles",
  "The subscriber was throttled: S3 events wait in the queue (concurrency limits)",
  lambda("Throttles", subscriberName),
);

alarm(
  "sweeper-errors",
  "A sweep of expired upload intents failed: reservations stay held until one succeeds",
  lambda("Errors", sweepUploads.nodes.function.name),
  { period: 900 },
);

alarm(
  "dead-letters",
  "S3 events in the dead-letter queue: fix the cause, then redrive (docs/operations.md)",
  {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: deadLetters.nodes.queue.name },
    statistic: "Maximum",
  },
);

alarm(
  "events-delayed",
  "The oldest S3 event in the queue is over 5 minutes old: the subscriber fails or lags",
  {
    namespace: "AWS/SQS",
    metricName: "ApproximateAgeOfOldestMessage",
    dimensions: { QueueName: queue.nodes.queue.name },
    statistic: "Maximum",
  },
  { periods: 2, threshold: 300 },
);

alarm(
  "events-dead-lettered",
  "The subscriber failed an S3 event on its last delivery: it is going to the DLQ",
  filegate(METRICS.names.deadLettered),
);

alarm(
  "stale-events",
  "Over 100 stale S3 events in 15 minutes: events are arriving late",
  filegate(METRICS.names.stale),
  { period: 900, threshold: 100 },
);

alarm(
  "reconcile-repairs",
  "The reconciler repaired the index: find out why events were lost",
  filegate(METRICS.names.reconcileRepaired),
  { period: 3600 },
);

alarm(
  "reconcile-incomplete",
  "A reconciler run stopped at its deadline before comparing every tenant",
  filegate(METRICS.names.reconcileIncomplete, "Maximum"),
  { period: 3600 },
);

alarm(
  "reconcile-errors",
  "The reconciler function failed",
  lambda("Errors", reconciler.nodes.function.name),
  { period: 3600 },
);

alarm(
  "webhook-dead-letters",
  "Webhook messages in their dead-letter queue: a receiver failed for the whole retry window (docs/operations.md)",
  {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: webhookDeadLetters.nodes.queue.name },
    statistic: "Maximum",
  },
);

alarm(
  "webhooks-delayed",
  "The oldest webhook message is over an hour old: deliveries lag (retries wait at most 15 minutes in the queue)",
  {
    namespace: "AWS/SQS",
    metricName: "ApproximateAgeOfOldestMessage",
    dimensions: { QueueName: webhookQueue.nodes.queue.name },
    statistic: "Maximum",
  },
  { periods: 2, threshold: 3600 },
);

alarm(
  "webhook-delivery-errors",
  "The webhook delivery function failed (not a failed delivery: a whole invocation)",
  lambda(
    "Errors",
    webhookDelivery.apply((s) => s.nodes.function.name),
  ),
);

alarm(
  "webhooks-outboxed",
  "The webhook queue refused messages: they wait in the outbox for the drain job",
  filegate(METRICS.names.webhooksOutboxed),
);

alarm(
  "webhook-outbox-errors",
  "The job that queues the webhook outbox again failed",
  lambda("Errors", drainWebhookOutbox.nodes.function.name),
  { period: 900 },
);
