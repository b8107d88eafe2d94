import * as z from "zod/mini";
import { WEBHOOK_EVENTS } from "./events";
import type { WebhookMessage } from "./messages";

// Apart from the messages' shape and making, so that what queues messages (the subscriber's
// webhook sending) does not carry the schema, nor the zod types only it uses: with code
// splitting they would sit in a chunk the subscriber's cold start loads.
const MessageSchema = z.object({
  tenant: z.string(),
  endpoint: z.string(),
  event: z.object({
    id: z.string(),
    type: z.enum(WEBHOOK_EVENTS),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
  attempt: z.number(),
  firstAt: z.string(),
  notBefore: z.optional(z.string()),
  replay: z.optional(z.boolean()),
});

/** Parses a queued message; throws on anything else. */
export function parseWebhookMessage(body: string): WebhookMessage {
  return MessageSchema.parse(JSON.parse(body)) as unknown as WebhookMessage;
}
