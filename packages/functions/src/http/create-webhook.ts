import {
  parseCreateEndpoint,
  publicEndpoint,
  type Resolve,
  resolveTarget,
  type TargetPolicy,
  type WebhookEndpoints,
} from "@filegate/core/webhooks";
import { targetPolicy } from "../lib/webhook-settings";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/**
 * `POST /webhooks` `{url, events?, description?}`: registers an endpoint of the caller's tenant
 * (its host resolved and checked now, and again at every delivery); 201 with its secret, shown
 * this once.
 */
export const createWebhook = (deps: {
  endpoints: Pick<WebhookEndpoints, "create">;
  policy: TargetPolicy;
  resolve?: Resolve;
}) =>
  route(async (request) => {
    const input = parseCreateEndpoint(request.body(), deps.policy);
    await resolveTarget(input.url, deps.policy, deps.resolve);
    const endpoint = await deps.endpoints.create(request.principal.tenant, {
      ...input,
      url: input.url.href,
    });
    return json(201, { ...publicEndpoint(endpoint), secret: endpoint.secret });
  });

export const handler = createWebhook({ endpoints: webhookEndpoints, policy: targetPolicy });
