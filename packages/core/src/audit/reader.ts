import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type Keyring, parseKeyring } from "../attest/keyring";
import { aws } from "../errors";
import {
  ALL_LOG_SHARDS,
  allLogPartition,
  auditKey,
  LOG_PREFIX,
  type TableAccess,
  TableRepository,
  TENANT_LOG_SHARDS,
  tenantLogPartition,
} from "../table";
import { MAX_READ_ROUNDS, toRecord } from "./journal";
import { type AuditQuery, decodeAuditCursor, encodeAuditCursor } from "./query";
import type { AuditRecord } from "./records";

export interface AuditPage {
  items: AuditRecord[];
  cursor: string | null;
}

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
 * Reads of the audit journal: pages of a file's history, or of a time range of one tenant
 * or of everyone (`GET /audit`), with cursors bound to their query. Apart from the journal's
 * writes ({@link AuditJournal}), so that each side's route carries only its own code.
 */
export class AuditReader extends TableRepository {
  private readonly cursorKeys: Keyring;

  constructor(options: TableAccess & { cursorKeys?: Keyring | undefined }) {
    super(options);
    this.cursorKeys = options.cursorKeys ?? parseKeyring("");
  }

  /**
   * One page of audit records, oldest first: a file's history (one Query on its partition)
   * or a time range of a tenant or of everyone (one Query per shard, merged by time).
   */
  async query(query: AuditQuery): Promise<AuditPage> {
    const after = query.cursor
      ? decodeAuditCursor(this.cursorKeys, query, query.cursor)
      : undefined;
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
      if (candidates.length >= query.limit || bound === undefined || round >= MAX_READ_ROUNDS)
        break;
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
      cursor: next === undefined ? null : encodeAuditCursor(this.cursorKeys, query, next),
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
}
