import { type FileItem, type FileState, fileStateKey, filesPartition, ItemType } from "../table";

/** The SET/REMOVE part of a state change, with its values (see {@link stateUpdateInput}). */
export interface StateUpdate {
  UpdateExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** What a created object's state is made of. */
export interface CreatedState {
  tenant: string;
  key: string;
  size: number;
  etag: string;
  contentType: string;
  eventTime: string;
  /** Default `present`; `quarantined` keeps the object out of the listing. */
  state?: "present" | "quarantined";
  reason?: string;
}

/**
 * The common part of every state change. It keeps the state and size it replaces
 * (`prevState`, `prevSize`: operands are read before the update), so that the change in a
 * tenant's usage can be derived from the item alone, even on a redelivery.
 */
const TRANSITION =
  "SET #type = :type, tenant = :tenant, #key = :key, " +
  "prevState = if_not_exists(#state, :none), prevSize = if_not_exists(#size, :zero), " +
  "#state = :state, seq = :seq, eventTime = :eventTime, updatedAt = :updatedAt";
const TRANSITION_NAMES = { "#type": "type", "#key": "key", "#state": "state", "#size": "size" };

/** The state of a created object: listed when present, kept out of the listing otherwise. */
export function createdState(file: CreatedState): StateUpdate {
  const present = (file.state ?? "present") === "present";
  return {
    UpdateExpression:
      `${TRANSITION}, #size = :size, etag = :etag, contentType = :contentType` +
      (present
        ? ", gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE expiresAt, reason"
        : ", reason = :reason REMOVE expiresAt, gsi1pk, gsi1sk"),
    ExpressionAttributeValues: {
      ":state": present ? "present" : "quarantined",
      ":size": file.size,
      ":etag": file.etag,
      ":contentType": file.contentType,
      ":eventTime": file.eventTime,
      ...(present
        ? { ":gsi1pk": filesPartition(file.tenant), ":gsi1sk": file.key }
        : { ":reason": file.reason ?? "not admitted" }),
    },
  };
}

/** A tombstone, expiring `ttlSeconds` after `now`. */
export function deletedState(
  file: { eventTime: string },
  now: Date,
  ttlSeconds: number,
): StateUpdate {
  const expiresAt = Math.floor(now.getTime() / 1000) + ttlSeconds;
  return {
    UpdateExpression: `${TRANSITION}, expiresAt = :expiresAt REMOVE gsi1pk, gsi1sk, #size, etag, contentType, reason`,
    ExpressionAttributeValues: {
      ":state": "deleted",
      ":eventTime": file.eventTime,
      ":expiresAt": expiresAt,
    },
  };
}

/**
 * The conditional update of one file's state item, as UpdateItem and TransactWriteItems
 * both take it (without `ReturnValues`).
 */
export function stateUpdateInput(options: {
  tableName: string;
  tenant: string;
  key: string;
  seq: string;
  update: StateUpdate;
  condition: string;
  conditionValues?: Record<string, unknown>;
  now: Date;
}) {
  const { tenant, key, seq, update } = options;
  return {
    TableName: options.tableName,
    Key: fileStateKey(tenant, key),
    UpdateExpression: update.UpdateExpression,
    ConditionExpression: options.condition,
    ExpressionAttributeNames: TRANSITION_NAMES,
    ExpressionAttributeValues: {
      ...update.ExpressionAttributeValues,
      ...options.conditionValues,
      ":type": ItemType.File,
      ":tenant": tenant,
      ":key": key,
      ":seq": seq,
      ":none": "none",
      ":zero": 0,
      ":updatedAt": options.now.toISOString(),
    },
  };
}

/**
 * The condition that a file's item is still exactly as it was read: absent, or with the same
 * sequencer and update time (a repair changes the latter, not the former).
 */
export function unchangedSince(seen: FileItem | undefined): {
  condition: string;
  conditionValues: Record<string, unknown>;
} {
  if (!seen) return { condition: "attribute_not_exists(pk)", conditionValues: {} };
  // An item written without an update time (by a tool or an older version) is still matched
  // exactly: an undefined value would leave the condition's placeholder unset.
  if (seen.updatedAt === undefined) {
    return {
      condition: "seq = :seenSeq AND attribute_not_exists(updatedAt)",
      conditionValues: { ":seenSeq": seen.seq },
    };
  }
  return {
    condition: "seq = :seenSeq AND updatedAt = :seenUpdatedAt",
    conditionValues: { ":seenSeq": seen.seq, ":seenUpdatedAt": seen.updatedAt },
  };
}

/**
 * The item a state change leaves, as far as usage goes: its state and size, and the state
 * and size it replaced (what the update's `prevState` / `prevSize` record).
 */
export function transition(
  seen: FileItem | undefined,
  next: { state: FileState; size?: number },
): Pick<FileItem, "state" | "size" | "prevState" | "prevSize"> {
  return {
    state: next.state,
    ...(next.state === "deleted" ? {} : { size: next.size ?? 0 }),
    prevState: seen?.state ?? "none",
    prevSize: seen?.size ?? 0,
  };
}

/**
 * How a file's change moves its tenant's usage: bytes and objects counted while present
 * (a quarantined object is not the tenant's file).
 */
export function usageChange(item: Pick<FileItem, "state" | "size" | "prevState" | "prevSize">): {
  bytes: number;
  objects: number;
} {
  const before =
    item.prevState === "present"
      ? { bytes: item.prevSize ?? 0, objects: 1 }
      : { bytes: 0, objects: 0 };
  const after =
    item.state === "present" ? { bytes: item.size ?? 0, objects: 1 } : { bytes: 0, objects: 0 };
  return { bytes: after.bytes - before.bytes, objects: after.objects - before.objects };
}
