import type { TenantAccounts } from "../accounts";
import type { Keyring } from "../attest";
import { type AuditJournal, type RequestOrigin, UploadGrantIssuer } from "../audit";
import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { FileIndex } from "../files";
import type { ObjectStorage, Presigner } from "../storage";
import { objectKeyFor, type TenantId } from "../tenancy";
import { completeMultipart } from "./complete";
import type { CompleteRequest } from "./completion";
import { createIntent, type UploadSettings } from "./create";
import type { UploadIntent, UploadIntents } from "./intents";
import { type PartUrl, selectParts, signParts } from "./parts";
import type { IntentRequest } from "./requests";

export interface UploadServiceDeps {
  intents: UploadIntents;
  accounts: TenantAccounts;
  files: Pick<FileIndex, "getPresent" | "totals">;
  presigner: Presigner;
  audit: Pick<AuditJournal, "recordGrant">;
  /** The keys upload attestations are sealed with. */
  keyring: Keyring;
  storage: ObjectStorage;
  settings: UploadSettings;
  now?: () => Date;
}

/**
 * Upload intents: an upload is agreed before any byte moves. The intent is checked against
 * the tenant's limits, its size reserved against the quota, and the URLs sign in exactly
 * what was agreed (Content-Length, Content-Type, checksum), so S3 itself refuses anything
 * else. Large files go multipart, with parts signed in batches and re-signable. Every URL is
 * a grant of {@link GrantIssuer}, journaled like the redirects' grants.
 */
export class UploadService {
  private readonly now: () => Date;
  private readonly grants: UploadGrantIssuer;

  constructor(private readonly deps: UploadServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.grants = new UploadGrantIssuer(deps.presigner, deps.audit, deps.keyring, this.now);
  }

  /** `POST /uploads`: a new intent and how to upload it (see {@link createIntent}). */
  create(principal: Principal, request: IntentRequest, origin: RequestOrigin) {
    return createIntent(
      { ...this.deps, grants: this.grants, now: this.now },
      principal,
      request,
      origin,
    );
  }

  /** Signs (or re-signs) parts of a pending multipart upload: `numbers` like `1,2,5-9`. */
  async parts(
    principal: Principal,
    id: string,
    numbers: string | undefined,
    origin: RequestOrigin,
  ): Promise<{ parts: PartUrl[] }> {
    const intent = await this.pending(principal, id);
    if (intent.method !== "multipart" || !intent.partCount) {
      throw Errors.conflict("This upload is a single PUT: it has no parts");
    }
    const selected = selectParts(intent.partCount, numbers);
    const conditions = {
      contentType: intent.contentType,
      createOnly: intent.createOnly,
      intent: intent.id,
      parts: selected,
    };
    return {
      parts: await signParts(this.grants, {
        principal,
        intent,
        numbers: selected,
        origin,
        conditions,
      }),
    };
  }

  /** Completes a multipart upload once every part is there; the file arrives with S3's event. */
  async complete(principal: Principal, id: string, request: CompleteRequest) {
    return completeMultipart(this.deps, await this.pending(principal, id), request);
  }

  /** Abandons an upload: the reservation is released and a multipart upload's parts deleted. */
  async abort(principal: Principal, id: string): Promise<void> {
    const intent = await this.owned(principal, id);
    if (intent.status === "aborted") return;
    if (intent.status !== "pending")
      throw Errors.conflict(`This upload is already ${intent.status}`);
    await this.close(intent, "aborted");
  }

  /** Repairs a tenant's usage counters from its present files and pending intents. */
  recount(tenant: TenantId) {
    return recountUsage(this.deps, tenant);
  }

  /**
   * Expires pending intents past their time: their reservations are released and multipart
   * uploads aborted. Safe to run at any time and from several places at once.
   */
  async sweep(
    onExpired?: (intent: UploadIntent, at: Date) => Promise<void>,
  ): Promise<{ expired: number }> {
    let expired = 0;
    const now = this.now();
    for (const intent of await this.deps.intents.expired(now)) {
      if (!(await this.close(intent, "expired"))) continue;
      expired++;
      // Told once: only the call that closed the intent gets here.
      await onExpired?.(intent, now);
    }
    return { expired };
  }

  /** Ends a pending intent; only the call that ends it releases the reservation. */
  private async close(intent: UploadIntent, to: "aborted" | "expired"): Promise<boolean> {
    if (!(await this.deps.intents.finish(intent.id, to))) return false;
    await this.deps.accounts.release(intent.tenant, { bytes: intent.size, objects: 1 });
    if (intent.multipartUploadId) {
      await this.deps.storage
        .abortMultipart(objectKeyFor(intent.tenant, intent.key), intent.multipartUploadId)
        .catch((error: Error) => {
          // Already completed or aborted: the bucket's lifecycle rule cleans up what is left.
          if (error.name !== "NoSuchUpload") throw error;
        });
    }
    return true;
  }

  private async owned(principal: Principal, id: string): Promise<UploadIntent> {
    const intent = await this.deps.intents.get(id);
    // Another tenant's upload is as good as absent.
    if (!intent || intent.tenant !== principal.tenant) throw Errors.notFound("No such upload");
    return intent;
  }

  private async pending(principal: Principal, id: string): Promise<UploadIntent> {
    const intent = await this.owned(principal, id);
    if (intent.status !== "pending")
      throw Errors.conflict(`This upload is already ${intent.status}`);
    if (Date.parse(intent.expiresAt) <= this.now().getTime())
      throw Errors.conflict("This upload has expired");
    return intent;
  }
}

/**
 * Sets a tenant's usage counters to what its present files (the listing index) and pending
 * upload intents hold: the repair for drift, run by the reconciler.
 */
export function recountUsage(
  deps: {
    accounts: Pick<TenantAccounts, "recount">;
    files: Pick<FileIndex, "totals">;
    intents: Pick<UploadIntents, "pendingOf">;
  },
  tenant: TenantId,
) {
  return deps.accounts.recount(tenant, async () => {
    const [used, pending] = await Promise.all([
      deps.files.totals(tenant),
      deps.intents.pendingOf(tenant),
    ]);
    return {
      used,
      reserved: {
        bytes: pending.reduce((sum, intent) => sum + intent.size, 0),
        objects: pending.length,
      },
    };
  });
}
