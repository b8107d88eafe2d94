import type { IngestResult } from "@filegate/core/events";
import {
  cachedEndpoints,
  type PublishResult,
  publishChange,
  publishExpiredUpload,
} from "@filegate/core/webhooks";
import { logger } from "./logger";
import { webhookQueue } from "./webhook-queue";
import { webhookSettings } from "./webhook-settings";
import { webhookEndpoints, webhookOutbox } from "./webhooks";

const endpointsOf = cachedEndpoints(webhookEndpoints, webhookSettings.endpointCacheSeconds * 1000);

/** Queues the webhooks of one ingested S3 event (the subscriber's one call into webhooks). */
export function publishWebhooks(result: IngestResult): Promise<PublishResult> {
  return publishChange(result.record, { endpointsOf, queue: webhookQueue, outbox: webhookOutbox });
}

/**
 * Queues `upload.expired` for an intent the sweep closed (the sweep's one call into webhooks).
 * The intent is closed already: a failure is logged, and the sweep goes on with the others.
 */
export async function publishExpired(
  intent: { id: string; tenant: string; key: string; size: number },
  at: Date,
): Promise<void> {
  try {
    await publishExpiredUpload(intent, at, {
      endpointsOf,
      queue: webhookQueue,
      outbox: webhookOutbox,
    });
  } catch (error) {
    logger.error("upload.expired not queued", { intent: intent.id, error: error as Error });
  }
}
