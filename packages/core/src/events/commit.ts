import { BatchGetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { TenantUsage } from "../accounts";
import type { AuditJournal } from "../audit";
import { aws, fromAwsError } from "../errors";
import { createdState, deletedState, stateItemInput, unchangedSince } from "../files";
import {
  type FileItem,
  fileStateKey,
  type TableAccess,
  TableRepository,
  tenantLimitsKey,
} from "../table";
import type { PlannedEvent } from "./plan";
import type { JournalKey, Seen } from "./seen";

export interface CommitterOptions extends TableAccess {
  journal: Pick<AuditJournal, "eventItem">;
  accounts: Pick<TenantUsage, "adjustment">;
  tombstoneTtlSeconds: number;
  now?: () => Date;
}

/** DynamoDB's limits: items per transaction, keys per BatchGetItem. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_GET_KEYS = 100;
const LIMITS_SK = tenantLimitsKey("").sk;
/** Why a transaction may be cancelled and simply tried again after a fresh read. */
const RETRYABLE_REASONS = new Set(["None", "ConditionalCheckFailed", "TransactionConflict"]);

/**
 * The table side of batch ingestion: one read of every state and journal record a round of
 * events touches, and one write of all their changes. The write is a transaction per up to
 * 100 items, conditional on every state being still as read: the file states, the events'
 * journal records and the tenants' usage deltas land together or not at all, so a crash or a
 * redelivery can never count usage twice or lose a record.
 */
export class EventCommitter extends TableRepository {
  private readonly journal: CommitterOptions["journal"];
  private readonly accounts: CommitterOptions["accounts"];
  private readonly tombstoneTtlSeconds: number;
  private readonly now: () => Date;

  constructor(options: CommitterOptions) {
    super(options);
    this.journal = options.journal;
    this.accounts = options.accounts;
    this.tombstoneTtlSeconds = options.tombstoneTtlSeconds;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The states and journal records of these events (`parts` says which: both unless told),
   * and the limits items of `tenants`, strongly consistent, in one call per 100 keys.
   */
  async read(
    events: readonly { tenant: string; key: string; journalKey: JournalKey }[],
    tenants: readonly string[] = [],
    parts: { states?: boolean; records?: boolean } = {},
  ): Promise<Seen> {
    const keys = new Map<string, Record<string, string>>();
    const add = (key: Record<string, string>) => keys.set(`${key.pk}\n${key.sk}`, key);
    for (const event of events) {
      if (parts.states !== false) add(fileStateKey(event.tenant, event.key));
      if (parts.records !== false) add(event.journalKey);
    }
    const limitsOf = new Map<string, string>();
    for (const tenant of tenants) {
      const key = tenantLimitsKey(tenant);
      add(key);
      limitsOf.set(key.pk, tenant);
    }
    const seen: Seen = {
      states: new Map(),
      journaled: new Set(),
      limits: new Map(tenants.map((tenant) => [tenant, undefined])),
    };
    const all = [...keys.values()];
    for (let at = 0; at < all.length; at += MAX_GET_KEYS) {
      for (const item of await this.getAll(all.slice(at, at + MAX_GET_KEYS))) {
        const tenant = item.sk === LIMITS_SK ? limitsOf.get(String(item.pk)) : undefined;
        if (item.sk === "STATE") seen.states.set(String(item.pk), item as unknown as FileItem);
        else if (tenant !== undefined) seen.limits.set(tenant, item);
        else seen.journaled.add(String(item.id));
      }
    }
    return seen;
  }

  /**
   * Writes the planned changes. The events whose write was refused because a state changed
   * since it was read (or a concurrent transaction held an item) come back, to be read and
   * planned again; all others are committed.
   */
  async write(plans: readonly PlannedEvent[]): Promise<PlannedEvent[]> {
    // A repeat that only gives back its quota admission still writes its usage.
    const work = plans.filter((plan) => plan.state || plan.journal || plan.counts);
    if (work.length === 0) return [];
    const retry: PlannedEvent[] = [];
    for (const chunk of transactionChunks(work)) {
      if (await this.transact(chunk)) retry.push(...chunk);
    }
    return retry;
  }

  /** Writes one chunk's transaction; true when it must be read and planned again. */
  private async transact(chunk: PlannedEvent[]): Promise<boolean> {
    const items: object[] = [];
    for (const plan of chunk) {
      if (plan.state) items.push({ Put: this.statePut(plan) });
      else if (plan.journal && plan.counts) items.push({ ConditionCheck: this.stateCheck(plan) });
      if (plan.journal) items.push({ Put: this.journalPut(plan) });
    }
    for (const update of this.usageUpdates(chunk)) items.push({ Update: update });
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items as never }));
      return false;
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TransactionConflictException" || name === "TransactionInProgressException") {
        return true;
      }
      if (name !== "TransactionCanceledException") throw fromAwsError(error);
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (reasons?.every((reason) => RETRYABLE_REASONS.has(reason.Code ?? "None"))) return true;
      throw error;
    }
  }

  /**
   * The file's new state as the whole item it leaves, computed from the item as read and
   * written on condition that it is still so: the item an update would have left.
   */
  private statePut(plan: PlannedEvent) {
    const { event, state, seen } = plan;
    const update =
      state === "deleted"
        ? deletedState(event, this.now(), this.tombstoneTtlSeconds)
        : createdState({ ...event, state: state ?? "present" });
    return stateItemInput({
      seen,
      tableName: this.tableName,
      tenant: event.tenant,
      key: event.key,
      seq: event.seq,
      update,
      ...unchangedSince(seen),
      now: this.now(),
    });
  }

  private stateCheck(plan: PlannedEvent) {
    const { condition, conditionValues } = unchangedSince(plan.seen);
    return {
      TableName: this.tableName,
      Key: fileStateKey(plan.event.tenant, plan.event.key),
      ConditionExpression: condition,
      ExpressionAttributeValues: conditionValues,
    };
  }

  private journalItem(plan: PlannedEvent) {
    if (!plan.journal) throw new Error("no journal record planned");
    return this.journal.eventItem(plan.journal);
  }

  private journalPut(plan: PlannedEvent) {
    return {
      TableName: this.tableName,
      Item: this.journalItem(plan),
      ConditionExpression: "attribute_not_exists(pk)",
    };
  }

  /** One usage update per tenant: the sum of what its events' changes move. */
  private usageUpdates(plans: readonly PlannedEvent[]) {
    const sums = new Map<string, { bytes: number; objects: number }>();
    for (const plan of plans) {
      if (!plan.counts) continue;
      const sum = sums.get(plan.event.tenant) ?? { bytes: 0, objects: 0 };
      sum.bytes += plan.counts.bytes;
      sum.objects += plan.counts.objects;
      sums.set(plan.event.tenant, sum);
    }
    return [...sums].flatMap(([tenant, sum]) => this.accounts.adjustment(tenant, sum) ?? []);
  }

  private async getAll(keys: Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, string>[] | undefined = keys;
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round > 0) await backoff(round);
      const result = await aws(
        this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        ),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys as typeof pending;
    }
    return items;
  }
}

/**
 * Plans cut into transactions of at most 100 items: each event's state and record, and one
 * usage update per tenant of the chunk.
 */
function transactionChunks(plans: readonly PlannedEvent[]): PlannedEvent[][] {
  const chunks: PlannedEvent[][] = [];
  let chunk: PlannedEvent[] = [];
  let items = 0;
  let tenants = new Set<string>();
  for (const plan of plans) {
    const size = (plan.state || plan.counts ? 1 : 0) + (plan.journal ? 1 : 0);
    const newTenant = tenants.has(plan.event.tenant) ? 0 : 1;
    if (items + size + tenants.size + newTenant > MAX_TRANSACTION_ITEMS) {
      chunks.push(chunk);
      chunk = [];
      items = 0;
      tenants = new Set();
    }
    chunk.push(plan);
    items += size;
    tenants.add(plan.event.tenant);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A short, growing, jittered pause before another try. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
