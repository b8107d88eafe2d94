import type { EventRecordInput } from "@filegate/core/audit";
import {
  type PublishDeps,
  type PublishResult,
  publishChange,
  publishExpiredUpload,
  type StoredEndpoint,
} from "@filegate/core/webhooks";
import { logger } from "./logger";
import { endpointsOf } from "./webhook-endpoints";
import { webhookQueue } from "./webhook-queue";
import { webhookOutbox } from "./webhooks";

/**
 * What queuing webhook messages takes (the messages, the SQS client, the outbox): the
 * subscriber loads it on demand (`webhook-publisher`), so that a cold start whose tenants have
 * no endpoint never does; the upload sweep imports it.
 */
const deps: PublishDeps = { endpointsOf, queue: webhookQueue, outbox: webhookOutbox };

/** Queues the webhooks of one applied S3 event's journal record, to its tenant's `endpoints` (read already). */
export function sendChange(
  record: EventRecordInput,
  endpoints: StoredEndpoint[],
): Promise<PublishResult> {
  return publishChange(record, { ...deps, endpointsOf: async () => endpoints });
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
    await publishExpiredUpload(intent, at, deps);
  } catch (error) {
    logger.error("upload.expired not queued", { intent: intent.id, error: error as Error });
  }
}
