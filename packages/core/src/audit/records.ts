import { createHash, randomUUID } from "node:crypto";

/** What a grant allowed, and what an S3 event did, in the same words. */
export type AuditAction = "read" | "write" | "delete";
export const AUDIT_ACTIONS: readonly AuditAction[] = ["read", "write", "delete"];

/**
 * How an S3 event was linked to the person behind it:
 * - `metadata`: the object carries the id of the write grant it was uploaded with;
 * - `recent-grant`: the latest delete grant for that key still valid when S3 removed it;
 * - `reconciled`: found by the reconciler, not by an event;
 * - `none`: no grant explains it (an upload or delete that did not come through the API).
 */
export type Attribution = "metadata" | "recent-grant" | "ambiguous" | "reconciled" | "none";

/** How an applied S3 event changed a tenant's file (the webhook event it is told as). */
export type FileChange = "created" | "updated" | "deleted" | "quarantined";

/** The conditions signed into a write grant. */
export interface GrantConditions {
  contentType?: string;
  createOnly: boolean;
  /** Upload intents: the exact size and checksum signed in, the intent and its parts. */
  size?: number;
  sha256?: string;
  intent?: string;
  parts?: number[];
}

/** One audit record, as the API returns it. */
export interface AuditRecord {
  id: string;
  /** When it happened: issue time of a grant, S3's event time of an event. */
  time: string;
  tenant: string;
  key: string;
  kind: "grant" | "event";
  action: AuditAction;
  /** The token's `sub`; for an event, the actor of the grant it was linked to (or null). */
  actor: string | null;
  // Grants
  requestId?: string;
  sourceIp?: string;
  userAgent?: string;
  expiresAt?: string;
  conditions?: GrantConditions;
  // Events
  event?: string;
  size?: number;
  etag?: string;
  sequencer?: string;
  /** Applied after a newer event: recorded, but the file's state did not change. */
  stale?: boolean;
  grantId?: string;
  attribution?: Attribution;
  /** `ambiguous` attribution: the ids of the grants that could each have been used. */
  candidates?: string[];
  /** Created objects: admitted as the tenant's file, or quarantined (with the reason). */
  verdict?: "admitted" | "quarantined";
  reason?: string;
  /** How the file changed (absent when stale); the webhook event told of it. */
  change?: FileChange;
  contentType?: string;
  /** The upload intent the object fulfilled. */
  intentId?: string;
}

const ID_LENGTH = 28;

/**
 * A new grant id: `g`, the issue time in milliseconds (12 hex digits), then 15 random hex
 * digits. The time inside lets the grant be found from its id alone (see
 * {@link timeOfGrantId}). The randomness is taken from a random UUID, which node:crypto
 * serves from a buffer of entropy it refills in bulk: a fresh `randomBytes` call for every
 * URL cost several times that.
 */
export function newGrantId(at: Date): string {
  const millis = at.getTime().toString(16).padStart(12, "0");
  const uuid = randomUUID();
  // Hex digits 0-11 and 13-15 of a version 4 UUID are random; digit 12 is its version.
  return `g${millis}${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(15, 18)}`;
}

/** The issue time of a grant id from {@link newGrantId}, or `undefined` if it is not one. */
export function timeOfGrantId(id: string): string | undefined {
  if (!/^g[0-9a-f]{27}$/.test(id)) return undefined;
  return new Date(Number.parseInt(id.slice(1, 13), 16)).toISOString();
}

/**
 * The id of the audit record of one S3 event: derived from what identifies the event, so a
 * redelivered duplicate maps to the same record and writes nothing new.
 */
export function eventRecordId(
  bucket: string,
  objectKey: string,
  sequencer: string,
  eventName: string,
): string {
  const digest = createHash("sha256")
    .update(`${bucket}\n${objectKey}\n${sequencer}\n${eventName}`)
    .digest("hex");
  return `e${digest}`.slice(0, ID_LENGTH);
}

/** The action an S3 event name stands for, or `undefined` for other events. */
export function actionOfEvent(eventName: string): "write" | "delete" | undefined {
  if (eventName.startsWith("ObjectCreated:")) return "write";
  if (eventName.startsWith("ObjectRemoved:")) return "delete";
  return undefined;
}
