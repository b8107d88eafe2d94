import type { WebhookEndpoints } from "@filegate/core/webhooks";
import { webhookEndpoints } from "../lib/webhooks";
import { route } from "./boundary";

/** `DELETE /webhooks/{id}`: removes an endpoint of the caller's tenant; 204, else 404. */
export const deleteWebhook = ({ endpoints }: { endpoints: Pick<WebhookEndpoints, "delete"> }) =>
  route(async (request) => {
    await endpoints.delete(request.principal.tenant, request.event.pathParameters?.id ?? "");
    return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
  });

export const handler = deleteWebhook({ endpoints: webhookEndpoints });
