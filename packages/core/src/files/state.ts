import { type FileItem, type FileState, fileListingKeys, fileStateKey, ItemType } from "../table";

/**
 * What a state change sets and removes on a file's item, besides what every change sets (its
 * type, tenant, key, sequencer, update time and the state and size it replaces). Written as
 * an update ({@link stateUpdateInput}) or, where the item was just read, as the whole item
 * it leaves ({@link stateItemInput}): one declaration, two forms.
 */
export interface StateUpdate {
  set: Partial<FileItem> & Pick<FileItem, "state" | "eventTime">;
  remove: readonly (keyof FileItem)[];
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

/** The state of a created object: listed when present, kept out of the listing otherwise. */
export function createdState(file: CreatedState): StateUpdate {
  const present = (file.state ?? "present") === "present";
  const { size, etag, contentType, eventTime } = file;
  const common = { size, etag, contentType, eventTime };
  return present
    ? {
        set: { state: "present", ...common, ...fileListingKeys(file.tenant, file.key) },
        remove: ["expiresAt", "reason"],
      }
    : {
        set: { state: "quarantined", ...common, reason: file.reason ?? "not admitted" },
        remove: ["expiresAt", "gsi1pk", "gsi1sk"],
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
    set: { state: "deleted", eventTime: file.eventTime, expiresAt },
    remove: ["gsi1pk", "gsi1sk", "size", "etag", "contentType", "reason"],
  };
}

/** A file's state change: the item, the change, its sequencer and when it is written. */
interface StateWrite {
  tableName: string;
  tenant: string;
  key: string;
  seq: string;
  update: StateUpdate;
  condition: string;
  conditionValues?: Record<string, unknown>;
  now: Date;
}

/** What every state change sets, but the state and size it replaces. */
function ownAttributes(write: StateWrite) {
  const { tenant, key, seq, now } = write;
  return { type: ItemType.File, tenant, key, seq, updatedAt: now.toISOString() };
}

/**
 * The conditional update of one file's state item, as UpdateItem and TransactWriteItems
 * both take it (without `ReturnValues`). The state and size it replaces are kept in
 * `prevState` and `prevSize` (operands are read before the update), so that the change in a
 * tenant's usage can be derived from the item alone, even on a redelivery.
 */
export function stateUpdateInput(write: StateWrite) {
  const names: Record<string, string> = { "#state": "state", "#size": "size" };
  const values: Record<string, unknown> = { ":none": "none", ":zero": 0 };
  const sets = [
    "prevState = if_not_exists(#state, :none)",
    "prevSize = if_not_exists(#size, :zero)",
  ];
  const set = { ...ownAttributes(write), ...write.update.set };
  for (const [name, value] of Object.entries(set)) {
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  const removes = write.update.remove.map((name) => {
    names[`#${name}`] = name;
    return `#${name}`;
  });
  return {
    TableName: write.tableName,
    Key: fileStateKey(write.tenant, write.key),
    UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ConditionExpression: write.condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ...values, ...write.conditionValues },
  };
}

/**
 * The same change as {@link stateUpdateInput}, written as the whole item it leaves: for a
 * writer that has just read the item (`seen`, none when absent) and writes on condition that
 * it is unchanged since, so the item it computes is the one the update would have left.
 */
export function stateItemInput(write: StateWrite & { seen: FileItem | undefined }) {
  const { seen, update } = write;
  const kept: Record<string, unknown> = { ...seen };
  for (const name of update.remove) delete kept[name];
  return {
    TableName: write.tableName,
    Item: {
      ...kept,
      ...fileStateKey(write.tenant, write.key),
      prevState: seen?.state ?? "none",
      prevSize: seen?.size ?? 0,
      ...ownAttributes(write),
      ...update.set,
    },
    ConditionExpression: write.condition,
    ...(write.conditionValues && Object.keys(write.conditionValues).length > 0
      ? { ExpressionAttributeValues: write.conditionValues }
      : {}),
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
