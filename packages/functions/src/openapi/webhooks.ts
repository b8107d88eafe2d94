/** One OpenAPI operation per webhook route, spread into `OPERATIONS`. */
import * as z from "zod/mini";
import type { Operation } from "./operation";

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
