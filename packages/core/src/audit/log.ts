import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { aws, fromAwsError, isConditionFailed } from "../errors";
import {
  ALL_LOG_SHARDS,
  allLogPartition,
  auditIndexKeys,
  auditKey,
  ItemType,
  LOG_PREFIX,
  TENANT_LOG_SHARDS,
  tenantLogPartition,
} from "../table";
import { type AuditQuery, decodeAuditCursor, encodeAuditCursor } from "./query";
import {
  type Attribution,
  type AuditAction,
  type AuditRecord,
  type GrantConditions,
  timeOfGrantId,
} from "./records";

export interface GrantInput {
  id: string;
  tenant: string;
  key: string;
  actor: string;
  action: AuditAction;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  expiresAt: string;
  conditions?: GrantConditions;
}

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
  verdict?: "admitted" | "quarantined";
  reason?: string;
}

export interface AuditPage {
  items: AuditRecord[];
  cursor: string | null;
}

export interface AuditLogOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long audit records are kept (DynamoDB TTL). */
  retentionSeconds: number;
}

/** Grants may be used a little before their issue time or after their expiry by S3's clock. */
const CLOCK_SLACK_MS = 5_000;
/** Rounds of reads per page when filters thin the results out. */
const MAX_ROUNDS = 4;
const USER_AGENT_MAX = 512;

interface Source {
  indexName?: string;
  pkAttr: string;
  skAttr: string;
  partition: string;
  /** Prefix before `<time>#<id>` in the sort key. */
  prefix: string;
}

interface SourceState {
  source: Source;
  items: Array<{ position: string; item: Record<string, unknown> }>;
  /** Position read up to; `undefined` once the source is exhausted. */
  readTo: string | undefined;
  lastKey: Record<string, unknown> | undefined;
}

/**
 * The audit journal: one record per grant the API issues and per S3 event applied to the
 * index, kept in the file's partition (its history) and in two write-sharded time indexes
 * (per tenant, and for everyone).
 */
export class AuditLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;

  constructor(options: AuditLogOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionSeconds = options.retentionSeconds;
  }

  /** Records a grant. Its time is the one inside its id ({@link newGrantId}). */
  async recordGrant(grant: GrantInput): Promise<void> {
    const time = timeOfGrantId(grant.id);
    if (!time) throw new RangeError(`Not a grant id: ${grant.id}`);
    await this.put({
      ...this.keys(grant.tenant, grant.key, time, grant.id),
      kind: "grant",
      action: grant.action,
      actor: grant.actor,
      requestId: grant.requestId,
      sourceIp: grant.sourceIp,
      userAgent: grant.userAgent.slice(0, USER_AGENT_MAX),
      // Not `expiresAt`: that attribute is the item's TTL.
      urlExpiresAt: grant.expiresAt,
      ...(grant.conditions ? { conditions: grant.conditions } : {}),
    });
  }

  /** Records an S3 event once: a redelivery maps to the same record and changes nothing. */
  async recordEvent(event: EventRecordInput): Promise<"written" | "exists"> {
    const time = new Date(event.eventTime).toISOString();
    return this.put({
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
      ...(event.verdict ? { verdict: event.verdict } : {}),
      ...(event.reason ? { reason: event.reason } : {}),
    });
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
   * The latest grant of `action` on this file that was valid at `at`: how a removal is
   * linked to whoever was allowed to delete the file then.
   */
  async latestGrantAt(
    tenant: string,
    key: string,
    action: AuditAction,
    at: string,
  ): Promise<AuditRecord | undefined> {
    const atMs = Date.parse(at);
    const latestIssue = new Date(atMs + CLOCK_SLACK_MS).toISOString();
    const { pk } = auditKey(tenant, key, at, "");
    let exclusiveStartKey: Record<string, unknown> | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
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
        if (record.expiresAt && Date.parse(record.expiresAt) + CLOCK_SLACK_MS >= atMs)
          return record;
      }
      exclusiveStartKey = result.LastEvaluatedKey;
      if (!exclusiveStartKey) return undefined;
    }
    return undefined;
  }

  /**
   * One page of audit records, oldest first: a file's history (one Query on its partition)
   * or a time range of a tenant or of everyone (one Query per shard, merged by time).
   */
  async query(query: AuditQuery): Promise<AuditPage> {
    const after = query.cursor ? decodeAuditCursor(query, query.cursor) : undefined;
    const sources = this.sources(query);
    const states: SourceState[] = await Promise.all(
      sources.map(async (source) =>
        this.read({ source, items: [], readTo: "", lastKey: undefined }, query, after),
      ),
    );

    let candidates: SourceState["items"] = [];
    let bound: string | undefined;
    for (let round = 1; ; round++) {
      const open = states.filter((state) => state.readTo !== undefined);
      bound = open.length === 0 ? undefined : open.map((state) => state.readTo as string).sort()[0];
      // Only what every source has been read up to can be ordered without gaps.
      candidates = states
        .flatMap((state) => state.items)
        .filter((entry) => bound === undefined || entry.position <= bound)
        .sort((a, b) => (a.position < b.position ? -1 : 1));
      if (candidates.length >= query.limit || bound === undefined || round >= MAX_ROUNDS) break;
      await Promise.all(
        open
          .filter((state) => state.readTo === bound)
          .map((state) => this.read(state, query, after)),
      );
    }

    const page = candidates.slice(0, query.limit);
    const last = page.at(-1);
    let next: string | undefined;
    if (candidates.length > query.limit) next = last?.position;
    else if (bound !== undefined) next = candidates.length === query.limit ? last?.position : bound;
    return {
      items: page.map((entry) => toRecord(entry.item)),
      cursor: next === undefined ? null : encodeAuditCursor(query, next),
    };
  }

  private sources(query: AuditQuery): Source[] {
    const { tenant } = query.scope;
    if (query.key !== undefined) {
      const { pk } = auditKey(tenant, query.key, "", "");
      return [{ pkAttr: "pk", skAttr: "sk", partition: pk, prefix: LOG_PREFIX }];
    }
    if (tenant === "*") {
      return Array.from({ length: ALL_LOG_SHARDS }, (_, shard) => ({
        indexName: "allLog",
        pkAttr: "gsi3pk",
        skAttr: "gsi3sk",
        partition: allLogPartition(shard),
        prefix: "",
      }));
    }
    return Array.from({ length: TENANT_LOG_SHARDS }, (_, shard) => ({
      indexName: "tenantLog",
      pkAttr: "gsi2pk",
      skAttr: "gsi2sk",
      partition: tenantLogPartition(tenant, shard),
      prefix: "",
    }));
  }

  /** Reads the next stretch of one source, keeping matching items and how far it has read. */
  private async read(
    state: SourceState,
    query: AuditQuery,
    after: string | undefined,
  ): Promise<SourceState> {
    const { source } = state;
    // Positions are `<time>#<id>` with ids of one length: `<after>!` is just past `after`.
    const lo = after ? `${after}!` : query.from;
    const hi = `${query.to}#~`;
    const filters: string[] = [];
    const names: Record<string, string> = { "#pk": source.pkAttr, "#sk": source.skAttr };
    const values: Record<string, unknown> = {
      ":p": source.partition,
      ":lo": `${source.prefix}${lo}`,
      ":hi": `${source.prefix}${hi}`,
    };
    if (query.actor !== undefined) {
      filters.push("actor = :actor");
      values[":actor"] = query.actor;
    }
    if (query.action !== undefined) {
      filters.push("#action = :action");
      names["#action"] = "action";
      values[":action"] = query.action;
    }
    const result = await aws(
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: source.indexName,
          KeyConditionExpression: "#pk = :p AND #sk BETWEEN :lo AND :hi",
          ...(filters.length > 0 ? { FilterExpression: filters.join(" AND ") } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: Math.max(query.limit, 100),
          ExclusiveStartKey: state.lastKey,
        }),
      ),
    );
    for (const item of result.Items ?? []) {
      state.items.push({ position: String(item[source.skAttr]).slice(source.prefix.length), item });
    }
    state.lastKey = result.LastEvaluatedKey;
    state.readTo = result.LastEvaluatedKey
      ? String(result.LastEvaluatedKey[source.skAttr]).slice(source.prefix.length)
      : undefined;
    return state;
  }

  private keys(tenant: string, key: string, time: string, id: string) {
    return {
      ...auditKey(tenant, key, time, id),
      ...auditIndexKeys(tenant, time, id),
      type: ItemType.Audit,
      id,
      time,
      tenant,
      key,
      expiresAt: Math.floor(Date.parse(time) / 1000) + this.retentionSeconds,
    };
  }

  private async put(item: Record<string, unknown>): Promise<"written" | "exists"> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return "written";
    } catch (error) {
      if (isConditionFailed(error)) return "exists";
      throw fromAwsError(error);
    }
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
  "verdict",
  "reason",
] as const;

function toRecord(item: Record<string, unknown>): AuditRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) {
    // On the item, `expiresAt` is the TTL; a grant's URL expiry is `urlExpiresAt`.
    const value = field === "expiresAt" ? item.urlExpiresAt : item[field];
    if (value !== undefined) record[field] = value;
  }
  return record as unknown as AuditRecord;
}
