import type { IngestResult } from "@filegate/core/events";
import { type PublishResult, sourceOfEventInput } from "@filegate/core/webhooks";
import { endpointsOf } from "./webhook-endpoints";

const NOTHING: PublishResult = { queued: 0, outboxed: 0 };

/**
 * Queues the webhooks of one ingested S3 event (the subscriber's one call into webhooks).
 * Most tenants have no endpoint: the messages, the SQS client and the outbox
 * (`webhook-sending`) are loaded by the first event that has endpoints to tell, not at every
 * cold start.
 */
export async function publishWebhooks({ record }: IngestResult): Promise<PublishResult> {
  const source = record && sourceOfEventInput(record);
  if (!source) return NOTHING;
  const endpoints = await endpointsOf(source.data.tenant);
  if (endpoints.length === 0) return NOTHING;
  const { sendChange } = await import("./webhook-sending");
  return sendChange(record, endpoints);
}
