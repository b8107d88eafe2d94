import { publicEndpoint, type WebhookEndpoints } from "@filegate/core/webhooks";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/**
 * `POST /webhooks/{id}/rotate-secret`: a new secret, shown this once; for 24 hours deliveries
 * carry a signature with the old secret too.
 */
export const rotateWebhookSecret = ({
  endpoints,
}: {
  endpoints: Pick<WebhookEndpoints, "rotateSecret">;
}) =>
  route(async (request) => {
    const endpoint = await endpoints.rotateSecret(
      request.principal.tenant,
      request.event.pathParameters?.id ?? "",
    );
    return json(200, { ...publicEndpoint(endpoint), secret: endpoint.secret });
  });

export const handler = rotateWebhookSecret({ endpoints: webhookEndpoints });
