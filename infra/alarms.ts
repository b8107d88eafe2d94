import { METRICS } from "../packages/functions/src/observability";
import { deadLetters, queue } from "./events";
import { reconciler } from "./jobs";

/** Where alarms go: subscribe operators to it (docs/operations.md). */
export const alarms = new sst.aws.SnsTopic("Alarms");

type Metric = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  "namespace" | "metricName" | "dimensions" | "statistic"
>;

/** An alarm when `metric` goes above `threshold` in `periods` periods of `period` seconds. */
function alarm(
  name: string,
  description: string,
  metric: Metric,
  { period = 300, periods = 1, threshold = 0 } = {},
) {
  return new aws.cloudwatch.MetricAlarm(name, {
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

alarm(
  "DeadLettersAlarm",
  "S3 events in the dead-letter queue: fix the cause, then redrive (docs/operations.md)",
  {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: deadLetters.nodes.queue.name },
    statistic: "Maximum",
  },
);

alarm(
  "EventsDelayedAlarm",
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
  "EventsDeadLetteredAlarm",
  "The subscriber failed an S3 event on its last delivery: it is going to the DLQ",
  filegate(METRICS.names.deadLettered),
);

alarm(
  "StaleEventsAlarm",
  "Over 100 stale S3 events in 15 minutes: events are arriving late",
  filegate(METRICS.names.stale),
  { period: 900, threshold: 100 },
);

alarm(
  "ReconcileRepairsAlarm",
  "The reconciler repaired the index: find out why events were lost",
  filegate(METRICS.names.reconcileRepaired),
  { period: 3600 },
);

alarm(
  "ReconcileIncompleteAlarm",
  "A reconciler run stopped at its deadline before comparing every tenant",
  filegate(METRICS.names.reconcileIncomplete, "Maximum"),
  { period: 3600 },
);

alarm(
  "ReconcileErrorsAlarm",
  "The reconciler function failed",
  {
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: reconciler.nodes.function.name },
    statistic: "Sum",
  },
  { period: 3600 },
);
