import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Keyring } from "../attest/keyring";
import { fromAwsError, isConditionFailed } from "../errors";
import { auditIndexKeys, auditKey, ItemType, type TableAccess, TableRepository } from "../table";
import { type AuditAction, type GrantConditions, timeOfGrantId } from "./records";

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

export interface AuditLogOptions extends TableAccess {
  /** How long audit records are kept (DynamoDB TTL). */
  retentionSeconds: number;
  /** The keys audit cursors are sealed with (pages that name a next one need them). */
  cursorKeys?: Keyring | undefined;
}

const USER_AGENT_MAX = 512;

/**
 * Writes journal records, once each: the grants the routes issue, here; S3 events, in
 * {@link AuditJournal}. A redirect route needs only this, so its bundle leaves the journal's
 * reads out.
 */
export class GrantRecorder extends TableRepository {
  protected readonly retentionSeconds: number;

  constructor(options: AuditLogOptions) {
    super(options);
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

  /** A record's keys: the file's partition (its history) and both time indexes. */
  protected keys(tenant: string, key: string, time: string, id: string) {
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

  /** Writes a record unless it exists: a redelivery maps to the same record and changes nothing. */
  protected async put(item: Record<string, unknown>): Promise<"written" | "exists"> {
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
