import { loadWebhookSettings } from "@filegate/core/config";
import type { RetrySchedule, TargetPolicy } from "@filegate/core/webhooks";

/** Webhook delivery settings, parsed once per cold start. */
export const webhookSettings = loadWebhookSettings(process.env);

export const targetPolicy: TargetPolicy = { allowLoopback: webhookSettings.allowLoopback };

export const retrySchedule: RetrySchedule = {
  firstSeconds: webhookSettings.retryFirstSeconds,
  maxSeconds: webhookSettings.retryMaxSeconds,
  windowSeconds: webhookSettings.retryWindowSeconds,
};
