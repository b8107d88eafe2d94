import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { WebhookMessage, WebhookQueue } from "@filegate/core/webhooks";
import { Resource } from "sst";

/** SendMessageBatch takes at most 10 messages. */
const SQS_BATCH = 10;

/**
 * The webhook queue over SQS: `send` in batches of ten (with the delay on each message), and
 * `deadLetter` to the dead-letter queue itself (a retry window that ran out is not a failed
 * receive, so the redrive policy would not move it).
 */
export function sqsWebhookQueue(
  client: SQSClient,
  urls: { queue: string; deadLetters?: string },
): WebhookQueue {
  return {
    async send(messages: readonly WebhookMessage[], delaySeconds = 0) {
      for (let i = 0; i < messages.length; i += SQS_BATCH) {
        const batch = messages.slice(i, i + SQS_BATCH);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: urls.queue,
            Entries: batch.map((message, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify(message),
              DelaySeconds: delaySeconds,
            })),
          }),
        );
        if (result.Failed?.length) {
          const first = result.Failed[0];
          throw new Error(
            `The webhook queue refused ${result.Failed.length} messages: ${first?.Message ?? first?.Code}`,
          );
        }
      }
    },
    async deadLetter(message: WebhookMessage) {
      if (!urls.deadLetters)
        throw new Error("This function is not linked to the dead-letter queue");
      await client.send(
        new SendMessageCommand({
          QueueUrl: urls.deadLetters,
          MessageBody: JSON.stringify(message),
        }),
      );
    },
  };
}

/** The SQS client of a container. */
export const sqs = new SQSClient({});

/** The container's webhook queue (linked: `WebhookQueue`), for publishing and replays. */
export const webhookQueue = sqsWebhookQueue(sqs, { queue: Resource.WebhookQueue.url });
