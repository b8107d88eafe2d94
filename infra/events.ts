import { SUBSCRIBER } from "../packages/functions/src/routes";
import { environmentWith } from "./config";
import { links } from "./links";
import { bucket } from "./storage";

/** Deliveries of an event before it moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
const SUBSCRIBER_TIMEOUT_SECONDS = 30;

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

bucket.notify({
  notifications: [
    {
      name: "FileEvents",
      queue,
      events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
    },
  ],
});

queue.subscribe(
  {
    handler: SUBSCRIBER.handler,
    link: SUBSCRIBER.link.map((name) => links[name]),
    timeout: `${SUBSCRIBER_TIMEOUT_SECONDS} seconds`,
    // The subscriber counts a failure on the last delivery as dead-lettered.
    environment: environmentWith({ FILEGATE_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT) }),
  },
  { batch: { size: 10, partialResponses: true } },
);
