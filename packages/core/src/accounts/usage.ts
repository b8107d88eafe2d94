import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { aws, fromAwsError, isConditionFailed } from "../errors";
import { ItemType, tenantUsageKey } from "../table";
import type { TenantLimits } from "./limits";
import { AccountLookup, type Amount } from "./standing";

/**
 * A tenant's usage counters as S3 events move them: an arrival admitted within the quotas,
 * a reservation given back, a change counted. What the queue subscriber writes of an account;
 * {@link TenantAccounts} adds what the API and the jobs write (limits, reservations,
 * recounts), so that the subscriber's cold start does not load it.
 */
export class TenantUsage extends AccountLookup {
  /**
   * Admits an arrived object's usage, atomically: `amount` (the sum of one or several arrivals
   * of the tenant) is added to what its files use, on condition that used + reserved + amount
   * stays within each quota that `amount` grows. Concurrent arrivals cannot pass a quota
   * together. Refused: usage unchanged, and the reason with the numbers.
   */
  async admit(
    tenant: string,
    amount: Amount,
    limits: TenantLimits,
  ): Promise<{ admitted: true } | { admitted: false; reason: string }> {
    const room = roomCondition(limits, amount);
    if ("over" in room)
      return { admitted: false, reason: await this.refusal(tenant, room.over, limits, amount) };
    try {
      const { bytes, objects } = amount;
      const counters = { bytes, objects, committedBytes: bytes, committedObjects: objects };
      await this.client.send(new UpdateCommand(this.addition(tenant, counters, room)));
      return { admitted: true };
    } catch (error) {
      if (!isConditionFailed(error)) throw fromAwsError(error);
      return { admitted: false, reason: await this.refusal(tenant, undefined, limits, amount) };
    }
  }

  /** Gives back a reservation (an upload arrived, was aborted or expired). */
  async release(tenant: string, amount: Amount): Promise<void> {
    await this.add(tenant, {
      reservedBytes: -amount.bytes,
      reservedObjects: -amount.objects,
      committedBytes: -amount.bytes,
      committedObjects: -amount.objects,
    });
  }

  /** Moves what the tenant's files use (a file arrived, changed or was deleted). */
  async adjust(tenant: string, change: Amount): Promise<void> {
    const update = this.adjustment(tenant, change);
    if (update) await aws(this.client.send(new UpdateCommand(update)));
  }

  /**
   * The update that moves what a tenant's files use by `change`, for writers that put it in
   * a transaction with the changes it counts; `undefined` when nothing moves.
   */
  adjustment(tenant: string, change: Amount) {
    if (change.bytes === 0 && change.objects === 0) return undefined;
    return this.addition(tenant, {
      bytes: change.bytes,
      objects: change.objects,
      committedBytes: change.bytes,
      committedObjects: change.objects,
    });
  }

  private async add(tenant: string, deltas: Record<string, number>): Promise<void> {
    await aws(this.client.send(new UpdateCommand(this.addition(tenant, deltas))));
  }

  /**
   * The update adding each of `deltas` to the tenant's usage counter of that name, on
   * `room`'s condition when it has one.
   */
  protected addition(tenant: string, deltas: Record<string, number>, room?: Room) {
    return usageAddition(this.tableName, tenant, deltas, room);
  }

  /** Why an arrival was not admitted: the quota it would pass, with the numbers. */
  private async refusal(
    tenant: string,
    known: "bytes" | "objects" | undefined,
    limits: TenantLimits,
    amount: Amount,
  ): Promise<string> {
    const usage = await this.usage(tenant);
    const over = (dimension: "bytes" | "objects") => {
      const max = dimension === "bytes" ? limits.maxBytes : limits.maxObjects;
      const total = usage.used[dimension] + usage.reserved[dimension] + amount[dimension];
      return max !== null && amount[dimension] > 0 && total > max;
    };
    const dimension = known ?? (over("bytes") || !over("objects") ? "bytes" : "objects");
    const limit = (dimension === "bytes" ? limits.maxBytes : limits.maxObjects) ?? 0;
    const noun = dimension === "bytes" ? "bytes" : "files";
    return (
      `it would pass the tenant's quota of ${limit} ${noun}: ` +
      `${usage.used[dimension]} used + ${usage.reserved[dimension]} reserved + ${amount[dimension]} arriving`
    );
  }
}

/** A condition on the usage item, with its values. */
export interface Room {
  condition?: string;
  values: Record<string, number>;
}

/** Adds each of `deltas` to the tenant's usage counter of that name, on `room`'s condition. */
function usageAddition(
  tableName: string,
  tenant: string,
  deltas: Record<string, number>,
  room?: Room,
) {
  const names = Object.keys(deltas);
  return {
    TableName: tableName,
    Key: tenantUsageKey(tenant),
    UpdateExpression: `SET #type = :type, tenant = :tenant ADD ${names.map((name) => `${name} :${name}`).join(", ")}`,
    ...(room?.condition ? { ConditionExpression: room.condition } : {}),
    ExpressionAttributeNames: { "#type": "type" },
    ExpressionAttributeValues: {
      ...room?.values,
      ":type": ItemType.Usage,
      ":tenant": tenant,
      ...Object.fromEntries(names.map((name) => [`:${name}`, deltas[name]])),
    },
  };
}

/**
 * The condition that keeps used + reserved + `amount` within each quota `amount` grows (the
 * counters `committedBytes` / `committedObjects` hold used + reserved), or the dimension that
 * `amount` alone passes.
 */
function roomCondition(limits: TenantLimits, amount: Amount): Room | { over: "bytes" | "objects" } {
  const conditions: string[] = [];
  const values: Record<string, number> = {};
  for (const [dimension, max, attribute] of [
    ["bytes", limits.maxBytes, "committedBytes"],
    ["objects", limits.maxObjects, "committedObjects"],
  ] as const) {
    if (max === null || amount[dimension] <= 0) continue;
    const room = max - amount[dimension];
    if (room < 0) return { over: dimension };
    conditions.push(`(attribute_not_exists(${attribute}) OR ${attribute} <= :room_${dimension})`);
    values[`:room_${dimension}`] = room;
  }
  return conditions.length > 0 ? { condition: conditions.join(" AND "), values } : { values };
}
