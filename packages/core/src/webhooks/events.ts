import { createHash } from "node:crypto";
import type { FileChange } from "../audit";

/** The events an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = [
  "file.created",
  "file.updated",
  "file.deleted",
  "file.quarantined",
  "upload.completed",
  "upload.expired",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What a delivery says about the file or upload (the payload's `data`). */
export interface WebhookData {
  tenant: string;
  key: string;
  size?: number;
  etag?: string;
  contentType?: string;
  /** The `sub` of the grant behind the event, or null when none explains it. */
  actor: string | null;
  attribution?: string;
  grantId?: string;
  intentId?: string;
  /** The S3 sequencer of the event (hex), or absent for an upload that expired. */
  sequencer?: string;
  reason?: string;
}

/** One event, before it is addressed to an endpoint. */
export interface WebhookEvent {
  /** The `webhook-id`: derived from the event, the same for every retry and replay. */
  id: string;
  type: WebhookEventType;
  /** When it happened (ISO 8601): the payload's `timestamp`. */
  timestamp: string;
  data: WebhookData;
}

/** What ingestion (or the audit journal) tells about one applied S3 event. */
export interface ChangeSource {
  /** The id of the event's audit record: stable across S3's redeliveries. */
  recordId: string;
  change: FileChange;
  eventTime: string;
  data: WebhookData;
}

/**
 * The webhook events of one change of a file: `file.<change>`, and `upload.completed` when an
 * upload intent was admitted with it.
 *
 * @example eventsOfChange({ recordId: "e1", change: "created", ... }) // [{type: "file.created", ...}]
 */
export function eventsOfChange(source: ChangeSource): WebhookEvent[] {
  const { recordId, change, eventTime, data } = source;
  const event = (type: WebhookEventType): WebhookEvent => ({
    id: webhookMessageId(recordId, type),
    type,
    timestamp: eventTime,
    data,
  });
  const events = [event(`file.${change}`)];
  if (data.intentId && (change === "created" || change === "updated")) {
    events.push(event("upload.completed"));
  }
  return events;
}

/** The `upload.expired` event of an upload intent the sweep closed. */
export function expiredUploadEvent(intent: {
  id: string;
  tenant: string;
  key: string;
  size: number;
  expiredAt: string;
}): WebhookEvent {
  return {
    id: webhookMessageId(intent.id, "upload.expired"),
    type: "upload.expired",
    timestamp: intent.expiredAt,
    data: {
      tenant: intent.tenant,
      key: intent.key,
      size: intent.size,
      actor: null,
      intentId: intent.id,
    },
  };
}

/**
 * A `webhook-id` (`msg_` and 32 hex digits) derived from what identifies the event, so that a
 * retry, a duplicate S3 event and a replay all carry the same id (receivers deduplicate on it).
 */
export function webhookMessageId(source: string, type: WebhookEventType): string {
  const digest = createHash("sha256").update(`${source}\n${type}`).digest("hex");
  return `msg_${digest.slice(0, 32)}`;
}

/** The JSON body of a delivery: `{type, timestamp, data}`. */
export function payloadOf(event: Pick<WebhookEvent, "type" | "timestamp" | "data">): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
