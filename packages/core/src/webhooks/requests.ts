import * as z from "zod/mini";
import { Errors } from "../errors";
import { parseBody } from "../uploads/body";
import { WEBHOOK_EVENTS, type WebhookEventType } from "./events";
import { mustBeValidTargetUrl, type TargetPolicy } from "./targets";

const events = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `events must be some of ${WEBHOOK_EVENTS.join(", ")}` }))
  .check(z.minLength(1, "events must name at least one event"));
const description = z.string().check(z.maxLength(256, "description is at most 256 characters"));

/** `POST /webhooks` body. */
export const WebhookCreateSchema = z.strictObject({
  url: z.string({ error: "url is required" }),
  events: z.optional(events),
  description: z.optional(description),
});
/** `PATCH /webhooks/{id}` body. */
export const WebhookUpdateSchema = z.strictObject({
  url: z.optional(z.string()),
  events: z.optional(events),
  description: z.optional(description),
  enabled: z.optional(z.boolean({ error: "enabled must be true or false" })),
});

const instant = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 date-time` });
/** `POST /webhooks/{id}/replay` body. */
export const WebhookReplaySchema = z.strictObject({
  from: instant("from"),
  to: z.optional(instant("to")),
});

/** The longest time range one replay may cover. */
export const MAX_REPLAY_DAYS = 31;

/** `POST /webhooks` body: the url checked for form (its address is checked by the caller). */
export function parseCreateEndpoint(
  body: string | undefined,
  policy: TargetPolicy,
): { url: URL; events: WebhookEventType[]; description?: string } {
  const parsed = parseBody(WebhookCreateSchema, body);
  return {
    url: mustBeValidTargetUrl(parsed.url, policy),
    events: unique(parsed.events ?? [...WEBHOOK_EVENTS]),
    ...(parsed.description ? { description: parsed.description } : {}),
  };
}

/** `PATCH /webhooks/{id}` body: at least one change. */
export function parseUpdateEndpoint(body: string | undefined, policy: TargetPolicy) {
  const parsed = parseBody(WebhookUpdateSchema, body);
  if (Object.values(parsed).every((value) => value === undefined)) {
    throw Errors.badRequest("Give at least one of url, events, description, enabled");
  }
  return {
    ...parsed,
    url: parsed.url === undefined ? undefined : mustBeValidTargetUrl(parsed.url, policy),
    events: parsed.events && unique(parsed.events),
  };
}

/** `POST /webhooks/{id}/replay` body: `from` up to `to` (default now), at most 31 days. */
export function parseReplay(
  body: string | undefined,
  now = new Date(),
): { from: string; to: string } {
  const parsed = parseBody(WebhookReplaySchema, body);
  const from = new Date(parsed.from).toISOString();
  const to = new Date(parsed.to ?? now).toISOString();
  if (from > to) throw Errors.badRequest("from must not be after to");
  if (Date.parse(to) - Date.parse(from) > MAX_REPLAY_DAYS * 86_400_000) {
    throw Errors.badRequest(`A replay covers at most ${MAX_REPLAY_DAYS} days`);
  }
  return { from, to };
}

function unique(values: WebhookEventType[]): WebhookEventType[] {
  return [...new Set(values)];
}
