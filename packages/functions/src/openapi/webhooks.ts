/**
 * The OpenAPI side of the webhook routes: their answers' schemas and one operation per route,
 * spread into `NAMED_SCHEMAS`, `REQUEST_SCHEMAS` and `OPERATIONS`.
 */
import {
  WEBHOOK_EVENTS,
  WebhookCreateSchema,
  WebhookReplaySchema,
  WebhookUpdateSchema,
} from "@filegate/core/webhooks";
import * as z from "zod/mini";
import type { Operation } from "./operations";

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

const ID = { id: "The endpoint's id (`wh_` and 24 hex digits); another tenant's is 404" };
const tags = ["webhooks"];

export const WEBHOOK_OPERATIONS: Record<string, Operation> = {
  "POST /webhooks": {
    operationId: "createWebhook",
    summary: "Registers an endpoint; its signing secret is in this answer only",
    tags,
    body: "WebhookCreate",
    responses: { 201: { description: "The endpoint", schema: "WebhookEndpointWithSecret" } },
    errors: [400, 409],
  },
  "GET /webhooks": {
    operationId: "listWebhooks",
    summary: "The tenant's endpoints (without secrets)",
    tags,
    responses: { 200: { description: "Every endpoint", schema: "WebhookEndpointList" } },
    errors: [],
  },
  "GET /webhooks/{id}": {
    operationId: "getWebhook",
    summary: "One endpoint",
    tags,
    path: ID,
    responses: { 200: { description: "The endpoint", schema: "WebhookEndpoint" } },
    errors: [404],
  },
  "PATCH /webhooks/{id}": {
    operationId: "updateWebhook",
    summary: "Changes an endpoint's url, events, description or `enabled`",
    tags,
    path: ID,
    body: "WebhookUpdate",
    responses: { 200: { description: "The endpoint", schema: "WebhookEndpoint" } },
    errors: [400, 404],
  },
  "DELETE /webhooks/{id}": {
    operationId: "deleteWebhook",
    summary: "Removes an endpoint",
    tags,
    path: ID,
    responses: { 204: { description: "Removed" } },
    errors: [404],
  },
  "POST /webhooks/{id}/rotate-secret": {
    operationId: "rotateWebhookSecret",
    summary: "A new secret; the old one keeps signing (beside it) for 24 hours",
    tags,
    path: ID,
    responses: { 200: { description: "The endpoint", schema: "WebhookEndpointWithSecret" } },
    errors: [404],
  },
  "GET /webhooks/{id}/deliveries": {
    operationId: "listWebhookDeliveries",
    summary: "The endpoint's latest delivery attempts, newest first",
    tags,
    path: ID,
    parameters: [
      {
        name: "limit",
        in: "query",
        description: "Attempts, 1 to 200 (default 50)",
        schema: z.string().check(z.regex(/^\d+$/)),
      },
    ],
    responses: { 200: { description: "The attempts", schema: "WebhookDeliveries" } },
    errors: [400, 404],
  },
  "POST /webhooks/{id}/replay": {
    operationId: "replayWebhook",
    summary: "Sends the events of a time range of the audit journal again, same webhook-ids",
    tags,
    path: ID,
    body: "WebhookReplay",
    responses: { 202: { description: "Queued", schema: "WebhookReplayAnswer" } },
    errors: [400, 404],
  },
};
