/**
 * The single table behind the index: every key shape, index and item type in one place.
 * This module imports nothing from the AWS SDK: the SST config (`infra/storage.ts`) and the
 * local stack build the real table from {@link TABLE}, and every read and write in the
 * repositories goes through the key builders below.
 *
 * Access patterns (see docs/data-model.md for the AWS CLI query of each):
 * 1. one file of one tenant (ownership check) — GetItem `pk = FILE#<tenant>#<key>, sk = STATE`
 * 2. a tenant's present files by prefix — Query `files`: `gsi1pk = FILES#<tenant>`,
 *    `begins_with(gsi1sk, <prefix>)`; tombstones carry no gsi1 keys (sparse index)
 */
export const TABLE = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    files: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
  },
  /** Epoch seconds after which DynamoDB may delete the item (tombstones). */
  ttl: "expiresAt",
} as const;

export type IndexName = keyof typeof TABLE.globalIndexes;

/** Item types, stored in the `type` attribute of every item. */
export const ItemType = {
  File: "file",
} as const;

const FILE_STATE_SK = "STATE";

/** Primary key of the current state (or tombstone) of one file. */
export function fileStateKey(tenant: string, key: string) {
  return { pk: `FILE#${tenant}#${key}`, sk: FILE_STATE_SK };
}

/** Keys of the `files` index for a present file; absent on tombstones. */
export function fileListingKeys(tenant: string, key: string) {
  return { gsi1pk: filesPartition(tenant), gsi1sk: key };
}

/** The `files` index partition holding one tenant's present files. */
export function filesPartition(tenant: string): string {
  return `FILES#${tenant}`;
}

/** The stored shape of a file item (current state or tombstone). */
export interface FileItem {
  pk: string;
  sk: string;
  type: typeof ItemType.File;
  tenant: string;
  key: string;
  state: "present" | "deleted";
  /** The S3 event sequencer that produced this state, normalised ({@link normalizeSequencer}). */
  seq: string;
  size?: number;
  etag?: string;
  contentType?: string;
  /** When S3 says the object was written or removed (ISO 8601). */
  eventTime: string;
  updatedAt: string;
  gsi1pk?: string;
  gsi1sk?: string;
  expiresAt?: number;
}

/** Width sequencers are padded to: far beyond the 16–20 hex digits S3 uses. */
export const SEQUENCER_WIDTH = 48;

/**
 * A sequencer in a form whose string order is its numeric order: upper-case hex, padded
 * with zeros on the left to {@link SEQUENCER_WIDTH}. Throws on anything that is not hex
 * or is too long.
 *
 * @example normalizeSequencer("0055AED6DCD90281E5") < normalizeSequencer("55AED6DCD90281E6")
 */
export function normalizeSequencer(sequencer: string): string {
  if (!/^[0-9A-Fa-f]{1,48}$/.test(sequencer)) {
    throw new RangeError(`Invalid S3 sequencer: ${JSON.stringify(sequencer)}`);
  }
  return sequencer.toUpperCase().padStart(SEQUENCER_WIDTH, "0");
}
