import { cachedEndpoints, WebhookEndpointLookup } from "@filegate/core/webhooks";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { webhookSettings } from "./webhook-settings";

/** The tenants' endpoints, read at most once per tenant per cache period (every event asks). */
export const endpointsOf = cachedEndpoints(
  new WebhookEndpointLookup({ client: dynamo, tableName: Resource.FileIndex.name }),
  webhookSettings.endpointCacheSeconds * 1000,
);
