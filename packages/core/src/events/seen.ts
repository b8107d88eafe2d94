import { type FileItem, fileStateKey } from "../table";

/** What the table holds for a round of events: each file's state, and which records exist. */
export interface Seen {
  /** By {@link stateId}. */
  states: Map<string, FileItem>;
  /** Ids of the events whose journal record is already written. */
  journaled: Set<string>;
  /** The limits items of the tenants asked about (`undefined`: the tenant has none of its own). */
  limits: Map<string, Record<string, unknown> | undefined>;
}

/** The key a file's state is found under in {@link Seen.states}. */
export function stateId(tenant: string, key: string): string {
  return fileStateKey(tenant, key).pk;
}

/** The primary key of an event's journal record. */
export type JournalKey = Record<"pk" | "sk", string>;
