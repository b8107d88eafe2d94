import type { WebhookOutbox, WebhookQueue } from "@filegate/core/webhooks";
import { logger } from "../lib/logger";
import { webhookQueue } from "../lib/webhook-queue";
import { webhookOutbox } from "../lib/webhooks";

/** Queues again the webhook messages the queue refused when they were published (scheduled). */
export const drainWebhookOutbox =
  (deps: { outbox: Pick<WebhookOutbox, "drain">; queue: WebhookQueue }) => async () => {
    const queued = await deps.outbox.drain(deps.queue);
    logger.info("drained the webhook outbox", { queued });
    return { queued };
  };

export const handler = drainWebhookOutbox({ outbox: webhookOutbox, queue: webhookQueue });
