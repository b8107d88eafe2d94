/** The webhook routes' answers and request bodies, spread into `NAMED_SCHEMAS` and `REQUEST_SCHEMAS`. */
import {
  WEBHOOK_EVENTS,
  WebhookCreateSchema,
  WebhookReplaySchema,
  WebhookUpdateSchema,
} from "@filegate/core/webhooks";
import * as z from "zod/mini";

const dateTime = () => z.iso.datetime({ offset: true });
const events = z.array(z.enum(WEBHOOK_EVENTS));

const WebhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events,
  description: z.optional(z.string()),
  enabled: z.boolean(),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});

/** Answers of the webhook routes. */
export const WEBHOOK_SCHEMAS = {
  WebhookEndpoint: WebhookEndpointSchema,
  WebhookEndpointWithSecret: z.object({ ...WebhookEndpointSchema.shape, secret: z.string() }),
  WebhookEndpointList: z.object({ items: z.array(WebhookEndpointSchema) }),
  WebhookDeliveries: z.object({
    items: z.array(
      z.object({
        messageId: z.string(),
        eventType: z.enum(WEBHOOK_EVENTS),
        attempt: z.int().check(z.minimum(1)),
        time: dateTime(),
        status: z.enum(["delivered", "failed", "refused", "dead-lettered", "skipped"]),
        responseCode: z.optional(z.int()),
        latencyMs: z.number(),
        error: z.optional(z.string()),
        nextAttemptAt: z.optional(dateTime()),
      }),
    ),
  }),
  WebhookReplayAnswer: z.object({ queued: z.int(), from: dateTime(), to: dateTime() }),
} as const;

/** Request bodies of the webhook routes, as the handlers parse them. */
export const WEBHOOK_REQUESTS = {
  WebhookCreate: WebhookCreateSchema,
  WebhookUpdate: WebhookUpdateSchema,
  WebhookReplay: WebhookReplaySchema,
} as const;
