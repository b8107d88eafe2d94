import { WEBHOOK_SETTINGS } from "../packages/core/src/config/webhooks";
import { WEBHOOK_DELIVERY } from "../packages/functions/src/routes";
import { environmentWith } from "./config";
import { links, permissionsFor } from "./links";
import { webhookQueue } from "./webhook-queues";

/**
 * The webhook settings every deployed function gets: the declared defaults (a retry window of
 * 26 hours, https targets on public addresses only). Loopback targets are for the local stack.
 */
export const WEBHOOK_ENVIRONMENT = Object.fromEntries(
  Object.values(WEBHOOK_SETTINGS).map((setting) => [setting.variable, setting.default]),
);

/** The delivery function: one POST per message, retries queued with a delay, then the DLQ. */
export const webhookDelivery = webhookQueue.subscribe(
  {
    handler: WEBHOOK_DELIVERY.handler,
    link: WEBHOOK_DELIVERY.link.map((name) => links[name]),
    permissions: permissionsFor(WEBHOOK_DELIVERY.access),
    timeout: `${WEBHOOK_DELIVERY.timeoutSeconds} seconds`,
    environment: environmentWith(WEBHOOK_ENVIRONMENT),
  },
  { batch: { size: 10, window: "0 seconds", partialResponses: true } },
);
