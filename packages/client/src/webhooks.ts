import type { Transport } from "./transport";

/** The events an endpoint may subscribe to. */
export type WebhookEventType =
  | "file.created"
  | "file.updated"
  | "file.deleted"
  | "file.quarantined"
  | "upload.completed"
  | "upload.expired";

/** A webhook endpoint of the tenant. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  description?: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint with its signing secret (`whsec_…`): only when it is created or rotated. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

/** One delivery attempt. */
export interface WebhookDelivery {
  messageId: string;
  eventType: WebhookEventType;
  attempt: number;
  time: string;
  status: "delivered" | "failed" | "refused" | "dead-lettered" | "skipped";
  responseCode?: number;
  latencyMs: number;
  error?: string;
  nextAttemptAt?: string;
}

/** What a delivery carries: the JSON body `verifyWebhook` returns. */
export interface WebhookEvent {
  type: WebhookEventType;
  timestamp: string;
  data: {
    tenant: string;
    key: string;
    size?: number;
    etag?: string;
    contentType?: string;
    actor: string | null;
    attribution?: string;
    grantId?: string;
    intentId?: string;
    sequencer?: string;
    reason?: string;
  };
}

const path = (id: string, rest = "") => `/webhooks/${encodeURIComponent(id)}${rest}`;
const iso = (time: Date | string) => (time instanceof Date ? time.toISOString() : time);

/** The tenant's webhook endpoints (`filegate.webhooks`). */
export class Webhooks {
  constructor(private readonly transport: Transport) {}

  async list(): Promise<WebhookEndpoint[]> {
    return (
      await this.transport.json<{ items: WebhookEndpoint[] }>({ method: "GET", path: "/webhooks" })
    ).items;
  }

  /** Registers an endpoint (all events by default); keep the returned `secret`. */
  create(input: {
    url: string;
    events?: WebhookEventType[];
    description?: string;
  }): Promise<WebhookEndpointWithSecret> {
    return this.transport.json({ method: "POST", path: "/webhooks", json: input });
  }

  get(id: string): Promise<WebhookEndpoint> {
    return this.transport.json({ method: "GET", path: path(id) });
  }

  update(
    id: string,
    changes: { url?: string; events?: WebhookEventType[]; description?: string; enabled?: boolean },
  ): Promise<WebhookEndpoint> {
    return this.transport.json({ method: "PATCH", path: path(id), json: changes });
  }

  async delete(id: string): Promise<void> {
    await this.transport.api({ method: "DELETE", path: path(id) });
  }

  /** A new secret; deliveries carry a signature with the old one too for 24 hours. */
  rotateSecret(id: string): Promise<WebhookEndpointWithSecret> {
    return this.transport.json({ method: "POST", path: path(id, "/rotate-secret") });
  }

  /** The latest delivery attempts, newest first. */
  async deliveries(id: string, options: { limit?: number } = {}): Promise<WebhookDelivery[]> {
    const page = await this.transport.json<{ items: WebhookDelivery[] }>({
      method: "GET",
      path: path(id, "/deliveries"),
      query: { limit: options.limit },
    });
    return page.items;
  }

  /** Sends the events of a time range again (same `webhook-id`s); resolves with how many. */
  async replay(id: string, range: { from: Date | string; to?: Date | string }): Promise<number> {
    const answer = await this.transport.json<{ queued: number }>({
      method: "POST",
      path: path(id, "/replay"),
      json: { from: iso(range.from), ...(range.to ? { to: iso(range.to) } : {}) },
    });
    return answer.queued;
  }
}

/** How far a delivery's timestamp may be from now (Standard Webhooks' default tolerance). */
const TOLERANCE_SECONDS = 5 * 60;

/** A delivery that did not verify: missing headers, an old timestamp, or no matching signature. */
export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

/**
 * Verifies a delivery as Standard Webhooks specifies (the `webhook-id`, `webhook-timestamp`
 * and `webhook-signature` headers; an HMAC-SHA256 of `id.timestamp.body` with the `whsec_`
 * secret; a timestamp within 5 minutes) and resolves with its event; rejects with
 * {@link WebhookVerificationError} otherwise. Pass the raw body, exactly as received. Web
 * Crypto only: it runs in Node 20+, browsers, workers and edge runtimes.
 *
 * @example const event = await verifyWebhook(process.env.WEBHOOK_SECRET, rawBody, request.headers);
 */
export async function verifyWebhook(
  secret: string,
  body: string,
  headers: Record<string, string | string[] | undefined> | Headers,
  now: Date = new Date(),
): Promise<WebhookEvent> {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? "";
  };
  const [id, timestamp, signatures] = ["webhook-id", "webhook-timestamp", "webhook-signature"].map(
    get,
  );
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError("Missing webhook headers");
  const sent = Number(timestamp);
  if (!Number.isInteger(sent) || Math.abs(now.getTime() / 1000 - sent) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError("The webhook timestamp is too old or too new");
  }
  const expected = await sign(secret, `${id}.${timestamp}.${body}`);
  const matches = String(signatures)
    .split(" ")
    .some((entry) => {
      const [version, signature] = entry.split(",");
      return version === "v1" && signature !== undefined && sameText(signature, expected);
    });
  if (!matches) throw new WebhookVerificationError("No matching webhook signature");
  return JSON.parse(body) as WebhookEvent;
}

async function sign(secret: string, content: string): Promise<string> {
  const raw = atob(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  const keyBytes = Uint8Array.from(raw, (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "raw",
    keyBytes,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content)),
  );
  return btoa(String.fromCharCode(...mac));
}

/** Compares two strings in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
