import { AuditJournal } from "./journal";
import type { AuditQuery } from "./query";
import { type AuditPage, AuditReader } from "./reader";
import type { AuditLogOptions } from "./recorder";

/**
 * The audit journal, written and read: {@link AuditJournal}'s records and grant lookups
 * with {@link AuditReader}'s pages, for tools and tests that need both. Each Lambda builds
 * only the side it uses.
 */
export class AuditLog extends AuditJournal {
  private readonly reader: AuditReader;

  constructor(options: AuditLogOptions) {
    super(options);
    this.reader = new AuditReader(options);
  }

  /** One page of audit records, oldest first ({@link AuditReader.query}). */
  query(query: AuditQuery): Promise<AuditPage> {
    return this.reader.query(query);
  }
}
