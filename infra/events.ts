import { SUBSCRIBER } from "../packages/functions/src/workers";
import { environmentWith } from "./config";
import { links, permissionsFor } from "./links";
import { bucket } from "./storage";
import { WEBHOOK_ENVIRONMENT } from "./webhook-queues";

/** Deliveries of an event before it moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
const SUBSCRIBER_TIMEOUT_SECONDS = 30;
/**
 * Messages per subscriber invocation (SQS standard queues allow 10 without a batching window),
 * gathered for no longer than the window: none, since a client that has just uploaded waits
 * (`?wait=`) for its file to be indexed, and a window would add to every event's delay.
 */
export const SUBSCRIBER_BATCH = { size: 10, windowSeconds: 0 } as const;

/** Events S3 could not get applied after every retry, kept 14 days for redrive. */
export const deadLetters = new sst.aws.Queue("FileEventsDeadLetters", {
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = 14 * 24 * 60 * 60;
    },
  },
});

/** S3 → queue: absorbs bursts and late events, retries failures, feeds the subscriber. */
export const queue = new sst.aws.Queue("FileEvents", {
  // AWS advises six times the function timeout for queues that feed Lambda.
  visibilityTimeout: `${SUBSCRIBER_TIMEOUT_SECONDS * 6} seconds`,
  dlq: { queue: deadLetters.arn, retry: MAX_RECEIVE_COUNT },
});

/**
 * Only S3 may send to the queue, and only for this bucket of this account. SST's
 * `bucket.notify` writes the queue's policy itself, letting SNS and EventBridge send too, with
 * no condition, and offers no way to change it: the transform replaces that policy (the one
 * queue policy of the app, named after the notification) as SST creates it. (Declaring the
 * notification and the policy here instead would rename them, and replacing the notification
 * of a deployed stage deletes the bucket's notification configuration after the new one is set.)
 */
$transform(aws.sqs.QueuePolicy, (args, _opts, name) => {
  if (!name.endsWith("NotificationFileEventsPolicy")) return;
  args.policy = $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.arn,
        Condition: {
          ArnEquals: { "aws:SourceArn": bucket.arn },
          StringEquals: { "aws:SourceAccount": aws.getCallerIdentityOutput().accountId },
        },
      },
    ],
  });
});

bucket.notify({
  notifications: [
    {
      name: "FileEvents",
      queue,
      events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    },
  ],
});

/** The subscriber: applies each S3 event to the index. */
export const subscriber = queue.subscribe(
  {
    handler: SUBSCRIBER.handler,
    link: SUBSCRIBER.link.map((name) => links[name]),
    permissions: permissionsFor(SUBSCRIBER.access),
    timeout: `${SUBSCRIBER_TIMEOUT_SECONDS} seconds`,
    // Splitting needs ESM (SST's default, stated so that it cannot change under it).
    nodejs: { format: "esm", splitting: SUBSCRIBER.bundle.splitting ?? false },
    // The subscriber counts a failure on the last delivery as dead-lettered.
    environment: environmentWith({
      FILEGATE_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      ...WEBHOOK_ENVIRONMENT,
    }),
  },
  {
    batch: {
      size: SUBSCRIBER_BATCH.size,
      window: `${SUBSCRIBER_BATCH.windowSeconds} seconds`,
      partialResponses: true,
    },
  },
);
