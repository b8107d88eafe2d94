import { publicEndpoint, type WebhookEndpoints } from "@filegate/core/webhooks";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/** `GET /webhooks/{id}`: one endpoint of the caller's tenant, else 404. */
export const getWebhook = ({ endpoints }: { endpoints: Pick<WebhookEndpoints, "mustGet"> }) =>
  route(async (request) =>
    json(
      200,
      publicEndpoint(
        await endpoints.mustGet(request.principal.tenant, request.event.pathParameters?.id ?? ""),
      ),
    ),
  );

export const handler = getWebhook({ endpoints: webhookEndpoints });
