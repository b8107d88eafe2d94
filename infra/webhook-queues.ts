/**
 * The webhook queues: the subscriber (and replays) send one message per event and endpoint;
 * the delivery function (infra/webhooks.ts) takes them. A separate module from the function so
 * that `infra/links.ts` can hand the queues out without importing what links them.
 */
import { WEBHOOK_SETTINGS } from "../packages/core/src/config/webhooks";

/**
 * The webhook settings of the functions that publish or deliver webhooks: the declared defaults
 * (a retry window of 26 hours, https targets on public addresses only). Loopback targets and
 * the compressed schedule are the local stack's.
 */
export const WEBHOOK_ENVIRONMENT: Record<string, string> = Object.fromEntries(
  Object.values(WEBHOOK_SETTINGS).map((setting) => [setting.variable, setting.default]),
);

/** Webhook messages whose retry window ran out, or that the delivery function kept failing; 14 days. */
export const webhookDeadLetters = new sst.aws.Queue("WebhookDeadLetters", {
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = 14 * 24 * 60 * 60;
    },
  },
});

/** Receives of one message before SQS itself dead-letters it (the function failed to handle it). */
export const WEBHOOK_MAX_RECEIVE_COUNT = 5;
/** The delivery function's timeout (`WEBHOOK_DELIVERY`), times six as AWS advises for Lambda queues. */
export const WEBHOOK_VISIBILITY_SECONDS = 6 * 120;

/** Events waiting for delivery, and failed deliveries waiting for their retry (message delay). */
export const webhookQueue = new sst.aws.Queue("WebhookQueue", {
  visibilityTimeout: `${WEBHOOK_VISIBILITY_SECONDS} seconds`,
  dlq: { queue: webhookDeadLetters.arn, retry: WEBHOOK_MAX_RECEIVE_COUNT },
  transform: {
    queue: (args) => {
      args.messageRetentionSeconds = 4 * 24 * 60 * 60;
    },
  },
});
