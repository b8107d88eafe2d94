import { publicEndpoint, type WebhookEndpoints } from "@filegate/core/webhooks";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/** `GET /webhooks`: the caller's tenant's endpoints (without their secrets). */
export const listWebhooks = ({ endpoints }: { endpoints: Pick<WebhookEndpoints, "list"> }) =>
  route(async (request) => {
    const items = await endpoints.list(request.principal.tenant, true);
    return json(200, { items: items.map(publicEndpoint) });
  });

export const handler = listWebhooks({ endpoints: webhookEndpoints });
