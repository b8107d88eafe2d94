import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import { auditKey, historyPartition, LOG_PREFIX } from "../table";
import { GrantRecorder } from "./recorder";
import {
  type Attribution,
  type AuditAction,
  type AuditRecord,
  type FileChange,
  timeOfGrantId,
} from "./records";

export interface EventRecordInput {
  id: string;
  tenant: string;
  key: string;
  action: "write" | "delete";
  event: string;
  eventTime: string;
  sequencer: string;
  size?: number;
  etag?: string;
  stale: boolean;
  attribution: Attribution;
  grant?: { id: string; actor: string } | undefined;
  /** `ambiguous` attribution: the grants that could each have been used. */
  candidates?: string[] | undefined;
  verdict?: "admitted" | "quarantined";
  reason?: string;
  change?: FileChange;
  contentType?: string;
  intentId?: string;
}

/** Grants may be used a little before their issue time or after their expiry by S3's clock. */
const CLOCK_SLACK_MS = 5_000;
/** Rounds of reads when filters thin the results out. */
export const MAX_READ_ROUNDS = 4;
/**
 * How many candidates an ambiguous event's record lists (the newest): enough to show an
 * auditor whose URLs could have been used, few enough that the record stays under 1 KB, one
 * write unit, on a file deleted many times a second (the grants partition keeps them all).
 */
export const RECORDED_CANDIDATES = 5;

/**
 * The audit journal: one record per grant the API issues and per S3 event applied to the
 * index, kept in the file's partition (its history) and in two write-sharded time indexes
 * (per tenant, and for everyone). This is what the routes and the subscriber need: writing
 * records and finding grants. Reading pages of records is {@link AuditLog}'s, in a module
 * of its own so that a route that only writes does not carry the query validation.
 */
export class AuditJournal extends GrantRecorder {
  /** Records an S3 event once: a redelivery maps to the same record and changes nothing. */
  async recordEvent(event: EventRecordInput): Promise<"written" | "exists"> {
    return this.put(this.eventItem(event));
  }

  /** The stored item of an S3 event's record (for writers that batch it with other items). */
  eventItem(event: EventRecordInput): Record<string, unknown> {
    const time = new Date(event.eventTime).toISOString();
    return {
      ...this.keys(event.tenant, event.key, time, event.id),
      kind: "event",
      action: event.action,
      actor: event.grant?.actor ?? null,
      event: event.event,
      sequencer: event.sequencer,
      ...(event.size !== undefined ? { size: event.size } : {}),
      ...(event.etag ? { etag: event.etag } : {}),
      stale: event.stale,
      attribution: event.attribution,
      ...(event.grant ? { grantId: event.grant.id } : {}),
      ...(event.candidates?.length
        ? { candidates: event.candidates.slice(0, RECORDED_CANDIDATES) }
        : {}),
      ...(event.verdict ? { verdict: event.verdict } : {}),
      ...(event.reason ? { reason: event.reason } : {}),
      ...(event.change ? { change: event.change } : {}),
      ...(event.contentType ? { contentType: event.contentType } : {}),
      ...(event.intentId ? { intentId: event.intentId } : {}),
    };
  }

  /** A grant of this file by id (the id written into an object's metadata), if it exists. */
  async findGrant(tenant: string, key: string, id: string): Promise<AuditRecord | undefined> {
    const time = timeOfGrantId(id);
    if (!time) return undefined;
    const result = await aws(
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: auditKey(tenant, key, time, id) }),
      ),
    );
    const record = result.Item ? toRecord(result.Item) : undefined;
    return record?.kind === "grant" ? record : undefined;
  }

  /**
   * The latest grant of `action` on this file that was valid at `at`: whether someone was
   * allowed to delete the file then.
   */
  async latestGrantAt(
    tenant: string,
    key: string,
    action: AuditAction,
    at: string,
  ): Promise<AuditRecord | undefined> {
    return (await this.grantsAt(tenant, key, action, at, 1))[0];
  }

  /**
   * The grants of `action` on this file whose URLs were valid at `at` (issued before it,
   * expiring after it, give or take S3's clock), newest first, up to `limit`: the candidates
   * an event could have been made with (`attributeEvent`).
   */
  async grantsAt(
    tenant: string,
    key: string,
    action: AuditAction,
    at: string,
    limit = 20,
  ): Promise<AuditRecord[]> {
    const atMs = Date.parse(at);
    const latestIssue = new Date(atMs + CLOCK_SLACK_MS).toISOString();
    const pk = historyPartition(tenant, key, "grant");
    const found: AuditRecord[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    for (let round = 0; round < MAX_READ_ROUNDS; round++) {
      const result = await aws(
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
            FilterExpression: "kind = :grant AND #action = :action",
            ExpressionAttributeNames: { "#action": "action" },
            ExpressionAttributeValues: {
              ":pk": pk,
              ":lo": LOG_PREFIX,
              ":hi": `${LOG_PREFIX}${latestIssue}#~`,
              ":grant": "grant",
              ":action": action,
            },
            ScanIndexForward: false,
            Limit: 50,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        const record = toRecord(item);
        if (record.expiresAt && Date.parse(record.expiresAt) + CLOCK_SLACK_MS >= atMs) {
          found.push(record);
          if (found.length >= limit) return found;
        }
      }
      exclusiveStartKey = result.LastEvaluatedKey;
      if (!exclusiveStartKey) return found;
    }
    return found;
  }
}

const RECORD_FIELDS = [
  "id",
  "time",
  "tenant",
  "key",
  "kind",
  "action",
  "actor",
  "requestId",
  "sourceIp",
  "userAgent",
  "expiresAt",
  "conditions",
  "event",
  "size",
  "etag",
  "sequencer",
  "stale",
  "grantId",
  "attribution",
  "candidates",
  "verdict",
  "reason",
  "change",
  "contentType",
  "intentId",
] as const;

/** An audit record as the API shows it, from its stored item. */
export function toRecord(item: Record<string, unknown>): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) {
    // On the item, `expiresAt` is the TTL; a grant's URL expiry is `urlExpiresAt`.
    const value = field === "expiresAt" ? item.urlExpiresAt : item[field];
    if (value !== undefined) record[field] = value;
  }
  return record as unknown as AuditRecord;
}
