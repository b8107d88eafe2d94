import { DeliveryAttempts, WebhookEndpoints, WebhookOutbox } from "@filegate/core/webhooks";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { webhookSettings } from "./webhook-settings";

const table = { client: dynamo, tableName: Resource.FileIndex.name };

/** Tenants' webhook endpoints. */
export const webhookEndpoints = new WebhookEndpoints(table);

/** Delivery attempts, kept as the settings say. */
export const deliveryAttempts = new DeliveryAttempts({
  ...table,
  retentionSeconds: webhookSettings.attemptRetentionSeconds,
});

/** Messages the webhook queue refused, until the outbox job queues them again. */
export const webhookOutbox = new WebhookOutbox(table);
