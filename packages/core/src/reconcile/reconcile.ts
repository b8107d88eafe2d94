import type { FileIndex, FileView } from "../files";
import type { ListedObject, ObjectLister } from "../storage";
import {
  type FileKey,
  isValidTenant,
  objectPrefixFor,
  parseObjectKey,
  TENANT_ROOT,
  type TenantId,
} from "../tenancy";
import { admitObject, buryFile, type Repair, type RepairDeps } from "./repair";

export interface ReconcileDeps extends RepairDeps {
  index: RepairDeps["index"] & Pick<FileIndex, "list" | "tenantsWithFiles">;
  objects: ObjectLister;
  /**
   * Recounts a tenant's usage from its files and pending intents once the index is repaired
   * (`UploadService.recount`); true when the counters had drifted.
   */
  recount?: (tenant: TenantId) => Promise<boolean>;
}

export interface ReconcileOptions {
  /** One tenant; all of them when absent. */
  tenant?: TenantId;
  /** Report what is wrong, change nothing. */
  dryRun?: boolean;
  /** Objects and index entries read per page (default 1000). */
  pageSize?: number;
  /**
   * Objects written less than this many seconds ago are left to their events, which may
   * still be on the way (default {@link DEFAULT_GRACE_SECONDS}).
   */
  graceSeconds?: number;
  /** Stop between pages once this time (epoch ms) has passed; the summary says `complete: false`. */
  deadline?: number;
  /**
   * Every tenant: only those after this one, in order (where a run stopped by its deadline
   * left off: {@link ReconcileSummary.resumeAfter}).
   */
  after?: TenantId;
  /** Called for each file found wrong (to log it). */
  onRepair?: (repair: Repair) => void;
}

/** What a run found and fixed: printed by the local command, logged by the scheduled function. */
export interface ReconcileSummary {
  scope: string;
  dryRun: boolean;
  /** False when the deadline stopped the run before every tenant was compared. */
  complete: boolean;
  /** Every tenant: the run began after this one ({@link ReconcileOptions.after}). */
  after?: TenantId;
  /**
   * Every tenant, stopped by the deadline: the last tenant compared to the end, where the
   * next run should pick up (absent when none was).
   */
  resumeAfter?: TenantId;
  startedAt: string;
  finishedAt: string;
  tenants: number;
  /** Objects listed in S3, and present files listed in the index. */
  objects: number;
  indexed: number;
  found: { missing: number; outdated: number; gone: number; invalidKeys: number };
  /** Objects not in the index but written within the grace period: left to their events. */
  recent: number;
  /** `quarantined`: found objects that nothing explains, indexed but kept out of listings. */
  fixed: { added: number; updated: number; quarantined: number; tombstoned: number };
  /** Found wrong but left alone: raced with an event, or newer in the index (see `repairs`). */
  skipped: number;
  /** Tenants whose usage counters had drifted and were recounted. */
  usageRecounted: number;
  /** The first {@link MAX_LISTED_REPAIRS} files found wrong, with what was done. */
  repairs: Repair[];
}

const MAX_LISTED_REPAIRS = 100;
/** S3 delivers events within seconds, sometimes a minute late: two minutes covers that. */
export const DEFAULT_GRACE_SECONDS = 120;

/**
 * Compares the bucket with the index, for one tenant or all, page by page (ListObjectsV2
 * under `tenants/<tenant>/` against the tenant's listing in the index, merged in key order),
 * and repairs the difference: objects the index misses are admitted ({@link admitObject}),
 * files whose object is gone are tombstoned ({@link buryFile}). Every repair is conditional
 * on the item being unchanged since it was read, so an event that lands meanwhile wins; the
 * run is safe at any time and repeatable.
 *
 * @example await reconcile(deps, { tenant: "acme" }) // { found: {...}, fixed: {...}, ... }
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const now = deps.now ?? (() => new Date());
  const summary: ReconcileSummary = {
    scope: options.tenant ?? "*",
    dryRun: options.dryRun ?? false,
    complete: true,
    startedAt: now().toISOString(),
    finishedAt: "",
    tenants: 0,
    objects: 0,
    indexed: 0,
    found: { missing: 0, outdated: 0, gone: 0, invalidKeys: 0 },
    recent: 0,
    fixed: { added: 0, updated: 0, quarantined: 0, tombstoned: 0 },
    skipped: 0,
    usageRecounted: 0,
    repairs: [],
  };
  const after = options.tenant ? undefined : options.after;
  if (after !== undefined) summary.after = after;
  const overdue = () => options.deadline !== undefined && now().getTime() > options.deadline;
  const tenants = options.tenant
    ? [options.tenant]
    : (await allTenants(deps)).filter((tenant) => after === undefined || tenant > after);
  let done = after;
  for (const tenant of tenants) {
    if (overdue()) {
      summary.complete = false;
      break;
    }
    summary.tenants++;
    const finished = await reconcileTenant(tenant, deps, options, summary, overdue);
    if (!finished) {
      summary.complete = false;
      break;
    }
    if (deps.recount && !summary.dryRun && (await deps.recount(tenant))) summary.usageRecounted++;
    done = tenant;
  }
  if (!summary.complete && !options.tenant && done !== undefined) summary.resumeAfter = done;
  summary.finishedAt = now().toISOString();
  return summary;
}

/** Every tenant with objects in S3 or present files in the index, in order. */
async function allTenants(deps: ReconcileDeps): Promise<TenantId[]> {
  const tenants = new Set<string>(await deps.index.tenantsWithFiles());
  let next: string | undefined;
  do {
    const page = await deps.objects.folders(TENANT_ROOT, { next });
    for (const folder of page.folders) tenants.add(folder.slice(TENANT_ROOT.length, -1));
    next = page.next;
  } while (next);
  return [...tenants].filter(isValidTenant).sort();
}

async function reconcileTenant(
  tenant: TenantId,
  deps: ReconcileDeps,
  options: ReconcileOptions,
  summary: ReconcileSummary,
  overdue: () => boolean,
): Promise<boolean> {
  const limit = options.pageSize ?? 1000;
  const graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const admit = async (object: FoundFile) => {
    const age = (deps.now?.() ?? new Date()).getTime() - Date.parse(object.lastModified);
    if (age < graceMs) summary.recent++;
    else record(await admitObject({ tenant, ...object }, deps, options));
  };
  const record = (repair: Repair | undefined) => {
    if (!repair) return;
    summary.found[repair.found]++;
    if (repair.action === "added") summary.fixed.added++;
    else if (repair.action === "updated") summary.fixed.updated++;
    else if (repair.action === "quarantined") summary.fixed.quarantined++;
    else if (repair.action === "tombstoned") summary.fixed.tombstoned++;
    else if (repair.action === "skipped") summary.skipped++;
    if (summary.repairs.length < MAX_LISTED_REPAIRS) summary.repairs.push(repair);
    options.onRepair?.(repair);
  };
  const objects = new Cursor<FoundFile>(async (next) => {
    const page = await deps.objects.list(objectPrefixFor(tenant), { limit, next });
    summary.objects += page.objects.length;
    const files: FoundFile[] = [];
    for (const object of page.objects) {
      const location = parseObjectKey(object.objectKey);
      if (location?.tenant === tenant) files.push({ ...object, key: location.key });
      else summary.found.invalidKeys++;
    }
    return { items: files, next: page.next };
  });
  const indexed = new Cursor<FileView>(async (next) => {
    const page = await deps.index.list(tenant, { limit, cursor: next });
    summary.indexed += page.items.length;
    return { items: page.items, next: page.cursor ?? undefined };
  });

  for (;;) {
    if ((objects.needsPage() || indexed.needsPage()) && overdue()) return false;
    const [object, file] = await Promise.all([objects.peek(), indexed.peek()]);
    if (!object && !file) return true;
    const order = !object ? 1 : !file ? -1 : compareKeys(object.key, file.key);
    if (order === 0 && object && file) {
      objects.take();
      indexed.take();
      if (file.etag !== object.etag || file.size !== object.size) await admit(object);
    } else if (order < 0 && object) {
      objects.take();
      await admit(object);
    } else if (file) {
      indexed.take();
      record(await buryFile(tenant, file.key as FileKey, deps, options));
    }
  }
}

interface FoundFile extends ListedObject {
  key: FileKey;
}

/** S3 and DynamoDB both order keys by their UTF-8 bytes. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** A paged source read one item at a time, one page ahead at most. */
class Cursor<T> {
  private items: T[] = [];
  private next: string | undefined;
  private done = false;
  private started = false;

  constructor(
    private readonly fetchPage: (
      next: string | undefined,
    ) => Promise<{ items: T[]; next?: string | undefined }>,
  ) {}

  needsPage(): boolean {
    return this.items.length === 0 && !this.done;
  }

  async peek(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.done) {
      if (this.started && this.next === undefined) {
        this.done = true;
        break;
      }
      this.started = true;
      const page = await this.fetchPage(this.next);
      this.items = page.items;
      this.next = page.next;
      if (this.next === undefined && this.items.length === 0) this.done = true;
    }
    return this.items[0];
  }

  take(): void {
    this.items.shift();
  }
}
