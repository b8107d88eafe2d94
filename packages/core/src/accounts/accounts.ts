import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { aws, Errors, fromAwsError, isConditionFailed } from "../errors";
import { ItemType, tenantLimitsKey, tenantUsageKey } from "../table";
import type { TenantLimits } from "./limits";
import type { LimitsUpdate } from "./limits-update";
import { AccountLookup, type Amount, quotaExceeded, type Usage } from "./standing";

/**
 * Per-tenant limits (with defaults from configuration) and usage counters. Reserving is one
 * conditional update of the tenant's usage item, so concurrent uploads cannot over-commit:
 * the item keeps `committedBytes` / `committedObjects` (used + reserved) next to the parts,
 * because a DynamoDB condition can compare an attribute but not add two.
 */
export class TenantAccounts extends AccountLookup {
  /** Sets some of a tenant's own limits; `null` makes a quota unlimited. */
  async setLimits(tenant: string, update: LimitsUpdate): Promise<TenantLimits> {
    const entries = Object.entries(update).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return this.limits(tenant);
    // The updated item comes back with the write: one call, and never a stale read after it.
    const result = await aws(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantLimitsKey(tenant),
          UpdateExpression: `SET #type = :type, tenant = :tenant, ${entries.map(([name]) => `#${name} = :${name}`).join(", ")}`,
          ExpressionAttributeNames: {
            "#type": "type",
            ...Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
          },
          ExpressionAttributeValues: {
            ":type": ItemType.Limits,
            ":tenant": tenant,
            ...Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])),
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return this.limitsFrom(result.Attributes);
  }

  /**
   * Reserves room for an upload, atomically: refused with 413 `quota_exceeded` (and the
   * numbers) when used + reserved + requested would pass a quota.
   */
  async reserve(tenant: string, amount: Amount, limits: TenantLimits): Promise<void> {
    const conditions: string[] = [];
    const values: Record<string, number | string> = {};
    for (const [dimension, max, attribute] of [
      ["bytes", limits.maxBytes, "committedBytes"],
      ["objects", limits.maxObjects, "committedObjects"],
    ] as const) {
      if (max === null) continue;
      const room = max - amount[dimension];
      if (room < 0) throw await this.overQuota(tenant, dimension, max, amount);
      conditions.push(`(attribute_not_exists(${attribute}) OR ${attribute} <= :room_${dimension})`);
      values[`:room_${dimension}`] = room;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantUsageKey(tenant),
          UpdateExpression:
            "SET #type = :type, tenant = :tenant ADD reservedBytes :b, reservedObjects :n, committedBytes :b, committedObjects :n",
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(" AND ") } : {}),
          ExpressionAttributeNames: { "#type": "type" },
          ExpressionAttributeValues: {
            ...values,
            ":type": ItemType.Usage,
            ":tenant": tenant,
            ":b": amount.bytes,
            ":n": amount.objects,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const usage = await this.usage(tenant);
      const bytesFull =
        limits.maxBytes !== null &&
        usage.used.bytes + usage.reserved.bytes + amount.bytes > limits.maxBytes;
      throw await this.overQuota(
        tenant,
        bytesFull ? "bytes" : "objects",
        (bytesFull ? limits.maxBytes : limits.maxObjects) ?? 0,
        amount,
        usage,
      );
    }
  }

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
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tenantUsageKey(tenant),
          UpdateExpression:
            "SET #type = :type, tenant = :tenant ADD #bytes :b, objects :n, committedBytes :b, committedObjects :n",
          ...(room.condition ? { ConditionExpression: room.condition } : {}),
          ExpressionAttributeNames: { "#type": "type", "#bytes": "bytes" },
          ExpressionAttributeValues: {
            ...room.values,
            ":type": ItemType.Usage,
            ":tenant": tenant,
            ":b": amount.bytes,
            ":n": amount.objects,
          },
        }),
      );
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
    return usageAddition(this.tableName, tenant, {
      bytes: change.bytes,
      objects: change.objects,
      committedBytes: change.bytes,
      committedObjects: change.objects,
    });
  }

  /**
   * Sets a tenant's counters to what its files and pending intents really hold: the repair
   * for drift (a usage change lost to a crash between two writes). The write is conditional
   * on the counters not having moved since they were read, and retried a few times.
   */
  async recount(
    tenant: string,
    truth: () => Promise<{ used: Amount; reserved: Amount }>,
  ): Promise<{ before: Usage; after: Usage; changed: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.usage(tenant);
      const { used, reserved } = await truth();
      const after: Usage = { used, reserved };
      if (JSON.stringify(after) === JSON.stringify(before))
        return { before, after, changed: false };
      try {
        await this.client.send(replaceUsage(this.tableName, tenant, before, after));
        return { before, after, changed: true };
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw Errors.serviceUnavailable(
      "The tenant's usage kept changing while it was being recounted; try again",
    );
  }

  private async add(tenant: string, deltas: Record<string, number>): Promise<void> {
    await aws(this.client.send(new UpdateCommand(usageAddition(this.tableName, tenant, deltas))));
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

  private async overQuota(
    tenant: string,
    dimension: "bytes" | "objects",
    limit: number,
    amount: Amount,
    known?: Usage,
  ) {
    return quotaExceeded(dimension, limit, amount, known ?? (await this.usage(tenant)));
  }
}

/** Adds each of `deltas` to the tenant's usage counter of that name. */
function usageAddition(tableName: string, tenant: string, deltas: Record<string, number>) {
  const names = Object.keys(deltas);
  return {
    TableName: tableName,
    Key: tenantUsageKey(tenant),
    UpdateExpression: `SET #type = :type, tenant = :tenant ADD ${names.map((name) => `${name} :${name}`).join(", ")}`,
    ExpressionAttributeNames: { "#type": "type" },
    ExpressionAttributeValues: {
      ":type": ItemType.Usage,
      ":tenant": tenant,
      ...Object.fromEntries(names.map((name) => [`:${name}`, deltas[name]])),
    },
  };
}

/**
 * The write of a recount: sets a tenant's usage counters to `after`, on condition that they
 * still hold `before` (unchanged since read; a missing counter reads as 0).
 */
function replaceUsage(tableName: string, tenant: string, before: Usage, after: Usage) {
  const read = {
    bytes: before.used.bytes,
    objects: before.used.objects,
    reservedBytes: before.reserved.bytes,
    reservedObjects: before.reserved.objects,
  };
  const { used, reserved } = after;
  const next = {
    bytes: used.bytes,
    objects: used.objects,
    reservedBytes: reserved.bytes,
    reservedObjects: reserved.objects,
    committedBytes: used.bytes + reserved.bytes,
    committedObjects: used.objects + reserved.objects,
  };
  return new UpdateCommand({
    TableName: tableName,
    Key: tenantUsageKey(tenant),
    UpdateExpression: `SET #type = :type, tenant = :tenant, ${Object.keys(next)
      .map((name) => `${name} = :new_${name}`)
      .join(", ")}`,
    // Unchanged since read (a missing counter reads as 0).
    ConditionExpression: Object.keys(read)
      .map(
        (name) =>
          `(${name} = :old_${name} OR (attribute_not_exists(${name}) AND :old_${name} = :zero))`,
      )
      .join(" AND "),
    ExpressionAttributeNames: { "#type": "type" },
    ExpressionAttributeValues: {
      ":type": ItemType.Usage,
      ":tenant": tenant,
      ":zero": 0,
      ...Object.fromEntries(Object.entries(next).map(([name, value]) => [`:new_${name}`, value])),
      ...Object.fromEntries(Object.entries(read).map(([name, value]) => [`:old_${name}`, value])),
    },
  });
}

/**
 * The condition that keeps used + reserved + `amount` within each quota `amount` grows (the
 * counters `committedBytes` / `committedObjects` hold used + reserved), or the dimension that
 * `amount` alone passes.
 */
function roomCondition(
  limits: TenantLimits,
  amount: Amount,
): { condition?: string; values: Record<string, number> } | { over: "bytes" | "objects" } {
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
