import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { aws, Errors, isConditionFailed } from "../errors";
import { ItemType, tenantLimitsKey, tenantUsageKey } from "../table";
import type { TenantLimits } from "./limits";
import type { LimitsUpdate } from "./limits-update";
import { type Amount, quotaExceeded, type Usage } from "./standing";
import { TenantUsage } from "./usage";

/**
 * Per-tenant limits (with defaults from configuration) and usage counters: what
 * {@link TenantUsage} writes, and the tenant's own limits, the reservations of uploads and
 * the recount of the counters. Reserving is one conditional update of the tenant's usage
 * item, so concurrent uploads cannot over-commit: the item keeps `committedBytes` /
 * `committedObjects` (used + reserved) next to the parts, because a DynamoDB condition can
 * compare an attribute but not add two.
 */
export class TenantAccounts extends TenantUsage {
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
    const values: Record<string, number> = {};
    for (const [dimension, max, attribute] of [
      ["bytes", limits.maxBytes, "committedBytes"],
      ["objects", limits.maxObjects, "committedObjects"],
    ] as const) {
      if (max === null) continue;
      const left = max - amount[dimension];
      if (left < 0) throw await this.overQuota(tenant, dimension, max, amount);
      conditions.push(`(attribute_not_exists(${attribute}) OR ${attribute} <= :room_${dimension})`);
      values[`:room_${dimension}`] = left;
    }
    const { bytes, objects } = amount;
    const counters = {
      reservedBytes: bytes,
      reservedObjects: objects,
      committedBytes: bytes,
      committedObjects: objects,
    };
    const room =
      conditions.length > 0 ? { condition: conditions.join(" AND "), values } : { values };
    try {
      await this.client.send(new UpdateCommand(this.addition(tenant, counters, room)));
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
