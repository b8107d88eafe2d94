import { randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { aws, Errors, isConditionFailed } from "../errors";
import { ItemType, webhookKey } from "../table";
import {
  type StoredEndpoint,
  toEndpoint,
  type WebhookEndpoint,
  WebhookEndpointLookup,
} from "./endpoint-lookup";
import type { WebhookEventType } from "./events";
import { newWebhookSecret } from "./secrets";

/** A tenant has at most this many endpoints. */
export const MAX_ENDPOINTS_PER_TENANT = 20;
/** After a rotation, deliveries are signed with the old secret too for this long. */
export const ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

export interface EndpointChanges {
  url?: string;
  events?: WebhookEventType[];
  description?: string;
  enabled?: boolean;
}

const PUBLIC_FIELDS = ["id", "url", "events", "description", "enabled", "createdAt", "updatedAt"];

/** What the API shows of an endpoint. */
export function publicEndpoint(endpoint: WebhookEndpoint): WebhookEndpoint {
  const view: Record<string, unknown> = {};
  for (const field of PUBLIC_FIELDS) {
    const value = (endpoint as unknown as Record<string, unknown>)[field];
    if (value !== undefined) view[field] = value;
  }
  return view as unknown as WebhookEndpoint;
}

/** The secrets a delivery is signed with now: the current one, and the previous while it overlaps. */
export function signingSecrets(endpoint: StoredEndpoint, now: Date): string[] {
  const { secret, previousSecret, previousUntil } = endpoint;
  return previousSecret && previousUntil && Date.parse(previousUntil) > now.getTime()
    ? [secret, previousSecret]
    : [secret];
}

/**
 * A tenant's webhook endpoints, in the tenant's own partition: every read and write names the
 * tenant, so an id of another tenant's endpoint is simply not found.
 */
export class WebhookEndpoints extends WebhookEndpointLookup {
  /** Registers an endpoint; its secret is returned this once (and by {@link rotateSecret}). */
  async create(
    tenant: string,
    input: { url: string; events: WebhookEventType[]; description?: string },
    now = new Date(),
  ): Promise<StoredEndpoint> {
    if ((await this.list(tenant)).length >= MAX_ENDPOINTS_PER_TENANT) {
      throw Errors.conflict(`A tenant has at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`);
    }
    const id = `wh_${randomBytes(12).toString("hex")}`;
    const time = now.toISOString();
    const endpoint: StoredEndpoint = {
      id,
      tenant,
      url: input.url,
      events: input.events,
      ...(input.description ? { description: input.description } : {}),
      enabled: true,
      secret: newWebhookSecret(),
      createdAt: time,
      updatedAt: time,
    };
    await aws(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...webhookKey(tenant, id), type: ItemType.Webhook, ...endpoint },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    return endpoint;
  }

  /** One endpoint of a tenant, or `undefined`. */
  async get(tenant: string, id: string): Promise<StoredEndpoint | undefined> {
    const result = await aws(
      this.client.send(new GetCommand({ TableName: this.tableName, Key: webhookKey(tenant, id) })),
    );
    return result.Item ? toEndpoint(result.Item) : undefined;
  }

  /** One endpoint of a tenant, or a 404. */
  async mustGet(tenant: string, id: string): Promise<StoredEndpoint> {
    const endpoint = await this.get(tenant, id);
    if (!endpoint) throw Errors.notFound("No such webhook endpoint");
    return endpoint;
  }

  /** Changes an endpoint's url, events, description or `enabled`; 404 if the tenant has none such. */
  async update(
    tenant: string,
    id: string,
    changes: EndpointChanges,
    now = new Date(),
  ): Promise<StoredEndpoint> {
    const values: Record<string, unknown> = { ...changes, updatedAt: now.toISOString() };
    const names = Object.keys(values).filter((name) => values[name] !== undefined);
    return this.conditionalUpdate(tenant, id, names, values);
  }

  /** A new secret; the previous one keeps signing for {@link ROTATION_OVERLAP_SECONDS}. */
  async rotateSecret(tenant: string, id: string, now = new Date()): Promise<StoredEndpoint> {
    const current = await this.mustGet(tenant, id);
    const values = {
      secret: newWebhookSecret(),
      previousSecret: current.secret,
      previousUntil: new Date(now.getTime() + ROTATION_OVERLAP_SECONDS * 1000).toISOString(),
      updatedAt: now.toISOString(),
    };
    return this.conditionalUpdate(tenant, id, Object.keys(values), values);
  }

  /** Removes an endpoint; 404 if the tenant has none such. */
  async delete(tenant: string, id: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: webhookKey(tenant, id),
          ConditionExpression: "attribute_exists(pk)",
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw Errors.notFound("No such webhook endpoint");
      throw error;
    }
  }

  private async conditionalUpdate(
    tenant: string,
    id: string,
    names: string[],
    values: Record<string, unknown>,
  ): Promise<StoredEndpoint> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(tenant, id),
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(", ")}`,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: Object.fromEntries(
            names.map((name) => [`:${name}`, values[name]]),
          ),
          ReturnValues: "ALL_NEW",
        }),
      );
      return toEndpoint(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailed(error)) throw Errors.notFound("No such webhook endpoint");
      throw error;
    }
  }
}
