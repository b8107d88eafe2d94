import { METRICS } from "../packages/functions/src/observability";
import { deadLetters, queue } from "./events";
import { reconciler } from "./reconcile";

/** Where alarms go: subscribe operators to it (docs/operations.md). */
export const alarms = new sst.aws.SnsTopic("Alarms");

const actions = { alarmActions: [alarms.arn], okActions: [alarms.arn] };
const filegateMetric = (metricName: string) => ({
  namespace: METRICS.namespace,
  metricName,
  dimensions: { service: METRICS.service },
  statistic: "Sum",
  treatMissingData: "notBreaching",
});

/** Any message in the dead-letter queue: events that failed every delivery, waiting for redrive. */
new aws.cloudwatch.MetricAlarm("DeadLettersAlarm", {
  alarmDescription:
    "S3 events in the dead-letter queue: fix the cause, then redrive (docs/operations.md)",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: deadLetters.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...actions,
});

/** Events waiting too long: the subscriber is failing or cannot keep up. */
new aws.cloudwatch.MetricAlarm("EventsDelayedAlarm", {
  alarmDescription: "The oldest S3 event in the queue is over 5 minutes old",
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: { QueueName: queue.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 2,
  threshold: 300,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...actions,
});

/** The subscriber gave up on an event (its last delivery failed): it is now in the DLQ. */
new aws.cloudwatch.MetricAlarm("EventsDeadLetteredAlarm", {
  alarmDescription: "The subscriber failed an S3 event on its last delivery",
  ...filegateMetric(METRICS.names.deadLettered),
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  ...actions,
});

/** Many events arriving after newer ones: S3 or the queue is running late. */
new aws.cloudwatch.MetricAlarm("StaleEventsAlarm", {
  alarmDescription: "Over 100 stale S3 events in 15 minutes: events are arriving late",
  ...filegateMetric(METRICS.names.stale),
  period: 900,
  evaluationPeriods: 1,
  threshold: 100,
  comparisonOperator: "GreaterThanThreshold",
  ...actions,
});

/** The reconciler repaired the index: events were lost (or objects changed behind the API). */
new aws.cloudwatch.MetricAlarm("ReconcileRepairsAlarm", {
  alarmDescription: "The reconciler repaired the index: find out why events were lost",
  ...filegateMetric(METRICS.names.reconcileRepaired),
  period: 3600,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  ...actions,
});

/** The reconciler did not finish (its deadline) or failed. */
new aws.cloudwatch.MetricAlarm("ReconcileIncompleteAlarm", {
  alarmDescription: "A reconciler run stopped before comparing every tenant",
  ...filegateMetric(METRICS.names.reconcileIncomplete),
  statistic: "Maximum",
  period: 3600,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  ...actions,
});

new aws.cloudwatch.MetricAlarm("ReconcileErrorsAlarm", {
  alarmDescription: "The reconciler function failed",
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: { FunctionName: reconciler.nodes.function.name },
  statistic: "Sum",
  period: 3600,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...actions,
});
