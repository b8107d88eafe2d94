import type { WebhookEvent } from "./events";

/** One event addressed to one endpoint, as it travels through the webhook queue. */
export interface WebhookMessage {
  tenant: string;
  endpoint: string;
  event: WebhookEvent;
  /** The attempt this message is for, from 1. */
  attempt: number;
  /** When the first attempt was queued (ISO 8601): the retry window counts from it. */
  firstAt: string;
  /** A retry due later than the queue can delay a message: it waits again until then. */
  notBefore?: string;
  /** Sent again by `POST /webhooks/{id}/replay`. */
  replay?: boolean;
}

/** The queue between the subscriber (and replays) and the delivery function. */
export interface WebhookQueue {
  /** Queues messages, each delayed `delaySeconds` (at most 900). */
  send(messages: readonly WebhookMessage[], delaySeconds?: number): Promise<void>;
  /** Moves a message to the dead-letter queue (its retry window is over). */
  deadLetter(message: WebhookMessage): Promise<void>;
}

/** The first-attempt messages of events for the endpoints that subscribe to them. */
export function messagesFor(
  tenant: string,
  events: readonly WebhookEvent[],
  endpoints: readonly { id: string; enabled: boolean; events: readonly string[] }[],
  now: Date,
  replay = false,
): WebhookMessage[] {
  const firstAt = now.toISOString();
  return endpoints.flatMap((endpoint) =>
    endpoint.enabled
      ? events
          .filter((event) => endpoint.events.includes(event.type))
          .map((event) => ({
            tenant,
            endpoint: endpoint.id,
            event,
            attempt: 1,
            firstAt,
            ...(replay ? { replay } : {}),
          }))
      : [],
  );
}
