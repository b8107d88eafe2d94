import {
  parseUpdateEndpoint,
  publicEndpoint,
  type Resolve,
  resolveTarget,
  type TargetPolicy,
  type WebhookEndpoints,
} from "@filegate/core/webhooks";
import { targetPolicy } from "../lib/webhook-settings";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/** `PATCH /webhooks/{id}` `{url?, events?, description?, enabled?}`: changes an endpoint. */
export const updateWebhook = (deps: {
  endpoints: Pick<WebhookEndpoints, "update">;
  policy: TargetPolicy;
  resolve?: Resolve;
}) =>
  route(async (request) => {
    const changes = parseUpdateEndpoint(request.body(), deps.policy);
    if (changes.url) await resolveTarget(changes.url, deps.policy, deps.resolve);
    const endpoint = await deps.endpoints.update(
      request.principal.tenant,
      request.event.pathParameters?.id ?? "",
      { ...changes, url: changes.url?.href },
    );
    return json(200, publicEndpoint(endpoint));
  });

export const handler = updateWebhook({ endpoints: webhookEndpoints, policy: targetPolicy });
