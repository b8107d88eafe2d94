import type { EventRecordInput } from "../audit";
import type { StoredEndpoint } from "./endpoint-lookup";
import { eventsOfChange, expiredUploadEvent, type WebhookEvent } from "./events";
import { messagesFor, type WebhookQueue } from "./messages";
import type { WebhookOutbox } from "./outbox";
import { sourceOfEventInput } from "./sources";

export interface PublishDeps {
  /** The tenant's endpoints (cached: see `cachedEndpoints`). */
  endpointsOf(tenant: string): Promise<StoredEndpoint[]>;
  queue: WebhookQueue;
  outbox: Pick<WebhookOutbox, "put">;
  now?: () => Date;
}

/** What publishing one change came to: messages queued, or kept in the outbox. */
export interface PublishResult {
  queued: number;
  outboxed: number;
}

/**
 * Queues the webhook messages of one applied S3 event for every endpoint of the tenant that
 * subscribes to them. A queue that refuses them never fails ingestion: the messages go to the
 * outbox, which a scheduled job drains. Throws only when the outbox refuses them too.
 */
export async function publishChange(
  input: EventRecordInput | undefined,
  deps: PublishDeps,
): Promise<PublishResult> {
  const source = input && sourceOfEventInput(input);
  if (!source) return { queued: 0, outboxed: 0 };
  return publishEvents(source.data.tenant, eventsOfChange(source), deps);
}

/** Queues `upload.expired` for an upload intent the sweep closed. */
export function publishExpiredUpload(
  intent: { id: string; tenant: string; key: string; size: number },
  at: Date,
  deps: PublishDeps,
): Promise<PublishResult> {
  const event = expiredUploadEvent({ ...intent, expiredAt: at.toISOString() });
  return publishEvents(intent.tenant, [event], deps);
}

async function publishEvents(
  tenant: string,
  events: WebhookEvent[],
  deps: PublishDeps,
): Promise<PublishResult> {
  const endpoints = await deps.endpointsOf(tenant);
  if (endpoints.length === 0) return { queued: 0, outboxed: 0 };
  const now = deps.now?.() ?? new Date();
  const messages = messagesFor(tenant, events, endpoints, now);
  if (messages.length === 0) return { queued: 0, outboxed: 0 };
  try {
    await deps.queue.send(messages);
    return { queued: messages.length, outboxed: 0 };
  } catch {
    await deps.outbox.put(messages, now);
    return { queued: 0, outboxed: messages.length };
  }
}
