import { Errors } from "@filegate/core/errors";
import {
  type DeliveryAttempts,
  MAX_ATTEMPTS_PAGE,
  type WebhookEndpoints,
} from "@filegate/core/webhooks";
import { deliveryAttempts, webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/** `GET /webhooks/{id}/deliveries?limit=`: the endpoint's latest delivery attempts, newest first. */
export const listWebhookDeliveries = (deps: {
  endpoints: Pick<WebhookEndpoints, "mustGet">;
  attempts: Pick<DeliveryAttempts, "latest">;
}) =>
  route(async (request) => {
    const limitText = request.query("limit");
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (
      limit !== undefined &&
      !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_ATTEMPTS_PAGE)
    ) {
      throw Errors.badRequest(`limit must be a whole number from 1 to ${MAX_ATTEMPTS_PAGE}`);
    }
    const endpoint = await deps.endpoints.mustGet(
      request.principal.tenant,
      request.event.pathParameters?.id ?? "",
    );
    return json(200, { items: await deps.attempts.latest(endpoint.id, limit) });
  });

export const handler = listWebhookDeliveries({
  endpoints: webhookEndpoints,
  attempts: deliveryAttempts,
});
