import { Resource } from "sst";
import { sqs, sqsWebhookQueue } from "./webhook-queue";

/** The delivery function's queue: retries go back to it, expired messages to its dead letters. */
export const deliveryQueue = sqsWebhookQueue(sqs, {
  queue: Resource.WebhookQueue.url,
  deadLetters: Resource.WebhookDeadLetters.url,
});
