import type { StoredPart } from "./api";

/** What the plugin remembers of an upload in progress, so that a reloaded page can resume it. */
export interface ResumeRecord {
  /** The upload intent's id. */
  id: string;
  method: "single" | "multipart";
  partSize?: number | undefined;
  partCount?: number | undefined;
  /** Parts storage accepted, with the ETags it answered. */
  parts: StoredPart[];
}

/** The part of the Web Storage API the plugin uses (`localStorage` by default). */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** What identifies a file across page loads: where it goes and what it is. */
export interface FileIdentity {
  key: string;
  name: string;
  size: number;
  type: string;
  lastModified?: number | undefined;
}

const PREFIX = "filegate-uppy:";

/**
 * Upload intents in progress, kept in Web Storage under the API's URL and the file's identity
 * (key, name, size, type, modification time). Storage that fails (private mode, quota) only
 * costs the resume: uploads go on.
 */
export class ResumeStore {
  constructor(
    private readonly baseUrl: string,
    private readonly storage: KeyValueStorage | undefined,
  ) {}

  get(file: FileIdentity): ResumeRecord | undefined {
    try {
      const text = this.storage?.getItem(this.name(file));
      return text ? (JSON.parse(text) as ResumeRecord) : undefined;
    } catch {
      return undefined;
    }
  }

  set(file: FileIdentity, record: ResumeRecord): void {
    try {
      this.storage?.setItem(this.name(file), JSON.stringify(record));
    } catch {
      // Full or unavailable: this upload cannot resume after a reload, nothing worse.
    }
  }

  /** Records one more part that storage accepted. */
  addPart(file: FileIdentity, record: ResumeRecord, part: StoredPart): void {
    record.parts = [...record.parts.filter((p) => p.partNumber !== part.partNumber), part];
    this.set(file, record);
  }

  delete(file: FileIdentity): void {
    try {
      this.storage?.removeItem(this.name(file));
    } catch {
      // Nothing to forget.
    }
  }

  private name(file: FileIdentity): string {
    const { key, name, size, type, lastModified } = file;
    return `${PREFIX}${JSON.stringify([this.baseUrl, key, name, size, type, lastModified ?? null])}`;
  }
}

/** `localStorage` when the page has one. */
export function defaultStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
