import { AuditReader } from "@filegate/core/audit";
import {
  parseReplay,
  replayRange,
  type WebhookEndpoints,
  type WebhookQueue,
} from "@filegate/core/webhooks";
import { Resource } from "sst";
import { dynamo } from "../lib/dynamo";
import { webhookQueue } from "../lib/webhook-queue";
import { webhookEndpoints } from "../lib/webhooks";
import { json, route } from "./boundary";

/**
 * `POST /webhooks/{id}/replay` `{from, to?}`: queues the events of that range of the tenant's
 * audit journal for the endpoint again, each with its original `webhook-id`; 202 `{queued}`.
 */
export const replayWebhook = (deps: {
  endpoints: Pick<WebhookEndpoints, "mustGet">;
  reader: Pick<AuditReader, "query">;
  queue: WebhookQueue;
}) =>
  route(async (request) => {
    const range = parseReplay(request.body());
    const endpoint = await deps.endpoints.mustGet(
      request.principal.tenant,
      request.event.pathParameters?.id ?? "",
    );
    const queued = await replayRange(endpoint, range, deps);
    return json(202, { queued, ...range });
  });

export const handler = replayWebhook({
  endpoints: webhookEndpoints,
  reader: new AuditReader({ client: dynamo, tableName: Resource.FileIndex.name }),
  queue: webhookQueue,
});
