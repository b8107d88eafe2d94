import { WEBHOOK_DELIVERY } from "../packages/functions/src/workers";
import { environmentWith } from "./config";
import { links, permissionsFor } from "./links";
import { WEBHOOK_ENVIRONMENT, webhookQueue } from "./webhook-queues";

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
