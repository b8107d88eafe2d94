import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { aws, Errors } from "../errors";
import {
  type TableAccess,
  TableRepository,
  tenantLimitsKey,
  tenantPartition,
  tenantUsageKey,
} from "../table";
import type { TenantLimits } from "./limits";

/** A tenant's standing: what its files use, and what pending uploads have reserved. */
export interface Usage {
  used: { bytes: number; objects: number };
  reserved: { bytes: number; objects: number };
}

export interface Amount {
  bytes: number;
  objects: number;
}

/** A tenant's limits and usage, read together. */
export interface Standing extends Usage {
  limits: TenantLimits;
}

/**
 * Reads of a tenant's limits (its own, or the configured defaults) and usage counters: what
 * the upload routes check before they sign anything. {@link TenantAccounts} adds the writes.
 */
export class AccountLookup extends TableRepository {
  private readonly defaults: TenantLimits;

  constructor(options: TableAccess & { defaults: TenantLimits }) {
    super(options);
    this.defaults = options.defaults;
  }

  /** The tenant's limits: its own where set, the configured defaults otherwise. */
  async limits(tenant: string): Promise<TenantLimits> {
    const result = await aws(
      this.client.send(new GetCommand({ TableName: this.tableName, Key: tenantLimitsKey(tenant) })),
    );
    return this.limitsFrom(result.Item);
  }

  /**
   * The tenant's limits and usage in one strongly consistent Query: both items share the
   * tenant's partition, so what takes two GetItems costs one round trip.
   */
  async standing(tenant: string): Promise<Standing> {
    const result = await aws(
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": tenantPartition(tenant) },
          ConsistentRead: true,
        }),
      ),
    );
    const items = result.Items ?? [];
    const of = (sk: string) => items.find((item) => item.sk === sk);
    return {
      ...usageOf(of(tenantUsageKey(tenant).sk)),
      limits: this.limitsFrom(of(tenantLimitsKey(tenant).sk)),
    };
  }

  /** What the tenant's files use and its pending uploads reserve (strongly consistent). */
  async usage(tenant: string): Promise<Usage> {
    const result = await aws(
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: tenantUsageKey(tenant),
          ConsistentRead: true,
        }),
      ),
    );
    return usageOf(result.Item);
  }

  /** A tenant's limits item (or none) completed with the configured defaults. */
  limitsFrom(item: Record<string, unknown> | undefined): TenantLimits {
    const own = (item ?? {}) as Partial<TenantLimits>;
    return {
      maxObjectBytes: own.maxObjectBytes ?? this.defaults.maxObjectBytes,
      maxBytes: own.maxBytes !== undefined ? own.maxBytes : this.defaults.maxBytes,
      maxObjects: own.maxObjects !== undefined ? own.maxObjects : this.defaults.maxObjects,
      allowedContentTypes: own.allowedContentTypes ?? this.defaults.allowedContentTypes,
    };
  }
}

/** Limits read once per tenant, which can also be told a read made with other items. */
export interface LimitsOncePerTenant extends Pick<AccountLookup, "limits"> {
  /**
   * The tenant's limits are (or will be) in this read; if it fails, the tenant's limits are
   * read on their own when asked for.
   */
  seed(tenant: string, read: Promise<TenantLimits>): void;
}

/**
 * Limits read at most once per tenant: for the records of one batch of S3 events, which
 * would otherwise read the same item once per record. A failed read is not kept, so the
 * next record tries again. Build one per batch, never one per container: an operator's
 * change of a tenant's limits applies from the next batch.
 *
 * @example const verifier = new UploadVerifier({ intents, audit, accounts: limitsOncePerTenant(accounts) })
 */
export function limitsOncePerTenant(accounts: Pick<AccountLookup, "limits">): LimitsOncePerTenant {
  const reads = new Map<string, Promise<TenantLimits>>();
  const keep = (tenant: string, read: Promise<TenantLimits>) => {
    reads.set(tenant, read);
    read.catch(() => reads.delete(tenant));
    return read;
  };
  return {
    limits(tenant) {
      return reads.get(tenant) ?? keep(tenant, accounts.limits(tenant));
    },
    seed(tenant, read) {
      if (!reads.has(tenant))
        keep(
          tenant,
          read.catch(() => accounts.limits(tenant)),
        );
    },
  };
}

/**
 * Refuses (413 `quota_exceeded`) a grant whose size is unknown — a plain presigned PUT —
 * once the tenant is at a quota: used + reserved has reached it. A new file counts against
 * the file quota, an overwrite does not.
 */
export function mustHaveRoom(standing: Standing, options: { newFile: boolean }): void {
  const { limits, used, reserved } = standing;
  if (limits.maxBytes !== null && used.bytes + reserved.bytes >= limits.maxBytes) {
    throw quotaExceeded("bytes", limits.maxBytes, { bytes: 0, objects: 0 }, standing);
  }
  if (
    options.newFile &&
    limits.maxObjects !== null &&
    used.objects + reserved.objects >= limits.maxObjects
  ) {
    throw quotaExceeded("objects", limits.maxObjects, { bytes: 0, objects: 1 }, standing);
  }
}

export function quotaExceeded(
  dimension: "bytes" | "objects",
  limit: number,
  amount: Amount,
  usage: Usage,
) {
  return Errors.quotaExceeded(
    `The upload would pass the tenant's ${dimension === "bytes" ? "storage" : "file count"} quota: ` +
      `${usage.used[dimension]} used + ${usage.reserved[dimension]} reserved + ${amount[dimension]} requested > ${limit}`,
    {
      dimension,
      limit,
      used: usage.used[dimension],
      reserved: usage.reserved[dimension],
      requested: amount[dimension],
    },
  );
}

function usageOf(item: Record<string, unknown> | undefined): Usage {
  const counters = (item ?? {}) as Record<string, number | undefined>;
  return {
    used: { bytes: counters.bytes ?? 0, objects: counters.objects ?? 0 },
    reserved: { bytes: counters.reservedBytes ?? 0, objects: counters.reservedObjects ?? 0 },
  };
}
