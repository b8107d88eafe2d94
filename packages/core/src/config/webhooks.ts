import * as z from "zod/mini";
import { type Declarations, readerOf, setting } from "./declare";
import { wholeNumber } from "./numbers";

const DAY_SECONDS = 24 * 60 * 60;
const seconds = (min: number, max: number) => (variable: string) =>
  wholeNumber(variable, min, max, "seconds");

/**
 * Settings of webhook delivery. The infra sets them on the functions that publish and deliver
 * webhooks (AWS: the defaults, a window of at least 24 hours); the local stack sets a
 * compressed schedule (seconds) and allows loopback targets. No stage sets them: no secret.
 */
export const WEBHOOK_SETTINGS = {
  /** delay before the first retry of a failed delivery, seconds; each retry doubles it */
  retryFirstSeconds: setting("FILEGATE_WEBHOOK_RETRY_FIRST", "30", seconds(1, 3600), Number),
  /** longest delay between two delivery attempts, seconds */
  retryMaxSeconds: setting("FILEGATE_WEBHOOK_RETRY_MAX", "14400", seconds(1, DAY_SECONDS), Number),
  /** how long failed deliveries are retried before the dead-letter queue, seconds */
  retryWindowSeconds: setting(
    "FILEGATE_WEBHOOK_RETRY_WINDOW",
    String(26 * 60 * 60),
    seconds(1, 14 * DAY_SECONDS),
    Number,
  ),
  /** how long a function remembers a tenant's endpoints, seconds (0: read them for every event) */
  endpointCacheSeconds: setting("FILEGATE_WEBHOOK_CACHE", "10", seconds(0, 300), Number),
  /** how long delivery attempts are kept, days */
  attemptRetentionSeconds: setting(
    "FILEGATE_WEBHOOK_ATTEMPT_DAYS",
    "14",
    (variable) => wholeNumber(variable, 1, 365),
    (value) => Number(value) * DAY_SECONDS,
  ),
  /** `true` also allows `http://127.0.0.1` and `localhost` targets (the local stack only) */
  allowLoopback: setting(
    "FILEGATE_WEBHOOK_LOOPBACK",
    "false",
    (variable) => z.string().check(z.regex(/^(true|false)$/, `${variable} must be true or false`)),
    (value) => value === "true",
  ),
} satisfies Declarations;

export interface WebhookSettings {
  retryFirstSeconds: number;
  retryMaxSeconds: number;
  retryWindowSeconds: number;
  endpointCacheSeconds: number;
  attemptRetentionSeconds: number;
  allowLoopback: boolean;
}

/**
 * Parses the webhook settings ({@link WEBHOOK_SETTINGS}) from an environment.
 *
 * @example loadWebhookSettings({}).retryWindowSeconds // 93600
 */
export const loadWebhookSettings: (env: Record<string, string | undefined>) => WebhookSettings =
  readerOf(WEBHOOK_SETTINGS);
