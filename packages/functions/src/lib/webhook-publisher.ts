import type { IngestResult } from "@filegate/core/events";
import { cachedEndpoints, type PublishResult, publishChange } from "@filegate/core/webhooks";
import { webhookQueue } from "./webhook-queue";
import { webhookSettings } from "./webhook-settings";
import { webhookEndpoints, webhookOutbox } from "./webhooks";

const endpointsOf = cachedEndpoints(webhookEndpoints, webhookSettings.endpointCacheSeconds * 1000);

/** Queues the webhooks of one ingested S3 event (the subscriber's one call into webhooks). */
export function publishWebhooks(result: IngestResult): Promise<PublishResult> {
  return publishChange(result.record, { endpointsOf, queue: webhookQueue, outbox: webhookOutbox });
}
