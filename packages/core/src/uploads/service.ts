import type { Standing, TenantAccounts } from "../accounts";
import { mustFitLimits } from "../accounts";
import type { AuditJournal, GrantConditions, RequestOrigin } from "../audit";
import { GRANT_METADATA, newGrantId } from "../audit";
import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { FileIndex } from "../files";
import type { ObjectStorage, PresignedRequest, Presigner } from "../storage";
import { mustBeValidKey, objectKeyFor, type TenantId } from "../tenancy";
import type { CompleteRequest } from "./completion";
import {
  INTENT_METADATA,
  type IntentStatus,
  newIntentId,
  type UploadIntent,
  type UploadIntents,
} from "./intents";
import { parsePartNumbers, partSizeOf, planUpload } from "./plan";
import type { IntentRequest } from "./requests";

/** Parts signed per response: keeps a response small whatever the file's size. */
export const PARTS_PER_RESPONSE = 100;
/** A single PUT may still be in flight when its URL expires: the intent lives this much longer. */
const SINGLE_GRACE_SECONDS = 15 * 60;

export interface PartUrl extends PresignedRequest {
  partNumber: number;
  size: number;
}

export interface IntentView {
  id: string;
  key: string;
  size: number;
  contentType: string;
  method: "single" | "multipart";
  status: IntentStatus;
  expiresAt: string;
}

export type IntentCreated =
  | (Omit<IntentView, "status"> & { method: "single"; upload: PresignedRequest })
  | (Omit<IntentView, "status"> & {
      method: "multipart";
      partSize: number;
      partCount: number;
      parts: PartUrl[];
    });

export interface UploadServiceDeps {
  intents: UploadIntents;
  accounts: TenantAccounts;
  files: Pick<FileIndex, "getPresent" | "totals">;
  presigner: Presigner;
  audit: Pick<AuditJournal, "recordGrant">;
  storage: ObjectStorage;
  settings: {
    presignExpiresSeconds: number;
    multipartThresholdBytes: number;
    partSizeBytes: number;
    multipartTtlSeconds: number;
  };
  now?: () => Date;
}

/**
 * Upload intents: an upload is agreed before any byte moves. The intent is checked against
 * the tenant's limits, its size reserved against the quota, and the URLs sign in exactly
 * what was agreed (Content-Length, Content-Type, checksum), so S3 itself refuses anything
 * else. Large files go multipart, with parts signed in batches and re-signable.
 */
export class UploadService {
  private readonly now: () => Date;
  constructor(private readonly deps: UploadServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(
    principal: Principal,
    request: IntentRequest,
    origin: RequestOrigin,
  ): Promise<IntentCreated> {
    const { key, size, contentType } = request;
    mustBeValidKey(key);
    const { tenant } = principal;
    const limits = await this.deps.accounts.limits(tenant);
    mustFitLimits(limits, size, contentType);
    const createOnly = request.ifNoneMatch === "*";
    if (createOnly && (await this.deps.files.getPresent(tenant, key))) {
      throw Errors.preconditionFailed("The file exists, and the upload is create-only");
    }

    const plan = planUpload(size, {
      thresholdBytes: this.deps.settings.multipartThresholdBytes,
      minPartSize: this.deps.settings.partSizeBytes,
    });
    const now = this.now();
    const lifetime =
      plan.method === "single"
        ? this.deps.settings.presignExpiresSeconds + SINGLE_GRACE_SECONDS
        : this.deps.settings.multipartTtlSeconds;
    const intent: UploadIntent = {
      id: newIntentId(),
      tenant,
      key,
      actor: principal.actor,
      size,
      contentType,
      ...(request.sha256 ? { sha256: request.sha256 } : {}),
      createOnly,
      method: plan.method,
      ...(plan.method === "multipart"
        ? { partSize: plan.partSize, partCount: plan.partCount }
        : {}),
      grantId: newGrantId(now),
      status: "pending",
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString(),
    };
    const objectKey = objectKeyFor(tenant, key);
    const metadata = { [GRANT_METADATA]: intent.grantId, [INTENT_METADATA]: intent.id };

    await this.deps.accounts.reserve(tenant, { bytes: size, objects: 1 }, limits);
    try {
      if (plan.method === "multipart") {
        intent.multipartUploadId = await this.deps.storage.createMultipart(objectKey, {
          contentType,
          metadata,
        });
      }
      await this.deps.intents.create(intent);
    } catch (error) {
      await this.deps.accounts.release(tenant, { bytes: size, objects: 1 });
      throw error;
    }

    const conditions: GrantConditions = {
      contentType,
      createOnly,
      size,
      intent: intent.id,
      ...(request.sha256 ? { sha256: request.sha256 } : {}),
    };
    const base = { id: intent.id, key, size, contentType, expiresAt: intent.expiresAt };
    if (plan.method === "single") {
      const upload = await this.deps.presigner.presign({
        method: "PUT",
        objectKey,
        headers: {
          "Content-Type": contentType,
          "Content-Length": String(size),
          ...(request.sha256 ? { "x-amz-checksum-sha256": request.sha256 } : {}),
          ...(createOnly ? { "If-None-Match": "*" } : {}),
        },
        query: Object.fromEntries(
          Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
        ),
      });
      await this.recordGrant(intent.grantId, principal, key, origin, upload.expiresAt, conditions);
      return { ...base, method: "single", upload };
    }
    const numbers = Array.from(
      { length: Math.min(plan.partCount, PARTS_PER_RESPONSE) },
      (_, i) => i + 1,
    );
    const parts = await this.signParts(intent, numbers);
    await this.recordGrant(intent.grantId, principal, key, origin, lastExpiry(parts), {
      ...conditions,
      parts: numbers,
    });
    return {
      ...base,
      method: "multipart",
      partSize: plan.partSize,
      partCount: plan.partCount,
      parts,
    };
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
    let selected: number[];
    try {
      selected = parsePartNumbers(
        numbers ?? `1-${Math.min(intent.partCount, PARTS_PER_RESPONSE)}`,
        intent.partCount,
        PARTS_PER_RESPONSE,
      );
    } catch (error) {
      throw Errors.badRequest((error as Error).message);
    }
    const parts = await this.signParts(intent, selected);
    await this.recordGrant(
      newGrantId(this.now()),
      principal,
      intent.key,
      origin,
      lastExpiry(parts),
      {
        contentType: intent.contentType,
        createOnly: intent.createOnly,
        intent: intent.id,
        parts: selected,
      },
    );
    return { parts };
  }

  /** Completes a multipart upload once every part is there; the file arrives with S3's event. */
  async complete(principal: Principal, id: string, request: CompleteRequest) {
    const intent = await this.pending(principal, id);
    if (intent.method !== "multipart" || !intent.partCount || !intent.multipartUploadId) {
      throw Errors.conflict("This upload is a single PUT: there is nothing to complete");
    }
    const given = new Map(request.parts.map((part) => [part.partNumber, part.etag]));
    const missing = Array.from({ length: intent.partCount }, (_, i) => i + 1).filter(
      (n) => !given.has(n),
    );
    if (
      missing.length > 0 ||
      given.size !== request.parts.length ||
      given.size !== intent.partCount
    ) {
      throw Errors.badRequest(
        `Every part from 1 to ${intent.partCount} is needed exactly once` +
          (missing.length ? ` (missing ${missing.slice(0, 10).join(", ")})` : ""),
      );
    }
    if (intent.createOnly && (await this.deps.files.getPresent(intent.tenant, intent.key))) {
      throw Errors.preconditionFailed("The file exists, and the upload is create-only");
    }
    try {
      const { etag } = await this.deps.storage.completeMultipart(
        intentObjectKey(intent),
        intent.multipartUploadId,
        [...given].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag })),
        { createOnly: intent.createOnly },
      );
      return { id: intent.id, key: intent.key, size: intent.size, etag };
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Abandons an upload: the reservation is released and a multipart upload's parts deleted. */
  async abort(principal: Principal, id: string): Promise<void> {
    const intent = await this.owned(principal, id);
    if (intent.status === "aborted") return;
    if (intent.status !== "pending")
      throw Errors.conflict(`This upload is already ${intent.status}`);
    await this.close(intent, "aborted");
  }

  async status(principal: Principal, id: string): Promise<IntentView> {
    return intentStatus(this.deps.intents, principal, id);
  }

  /** Where a tenant stands: usage, reservations and limits. */
  async usage(tenant: string): Promise<Standing & { tenant: string }> {
    return { tenant, ...(await this.deps.accounts.standing(tenant)) };
  }

  /** Repairs a tenant's usage counters from its present files and pending intents. */
  recount(tenant: TenantId) {
    return recountUsage(this.deps, tenant);
  }

  /**
   * Expires pending intents past their time: their reservations are released and multipart
   * uploads aborted. Safe to run at any time and from several places at once.
   */
  async sweep(): Promise<{ expired: number }> {
    let expired = 0;
    for (const intent of await this.deps.intents.expired(this.now())) {
      if (await this.close(intent, "expired")) expired++;
    }
    return { expired };
  }

  /** Ends a pending intent; only the call that ends it releases the reservation. */
  private async close(intent: UploadIntent, to: "aborted" | "expired"): Promise<boolean> {
    if (!(await this.deps.intents.finish(intent.id, to))) return false;
    await this.deps.accounts.release(intent.tenant, { bytes: intent.size, objects: 1 });
    if (intent.multipartUploadId) {
      await this.deps.storage
        .abortMultipart(intentObjectKey(intent), intent.multipartUploadId)
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

  private async signParts(intent: UploadIntent, numbers: number[]): Promise<PartUrl[]> {
    const objectKey = intentObjectKey(intent);
    return Promise.all(
      numbers.map(async (partNumber) => {
        const size = partSizeOf(intent.size, intent.partSize ?? intent.size, partNumber);
        const signed = await this.deps.presigner.presign({
          method: "PUT",
          objectKey,
          headers: { "Content-Length": String(size) },
          query: { partNumber: String(partNumber), uploadId: intent.multipartUploadId ?? "" },
        });
        return { partNumber, size, ...signed };
      }),
    );
  }

  private recordGrant(
    id: string,
    principal: Principal,
    key: string,
    origin: RequestOrigin,
    expiresAt: string,
    conditions: GrantConditions,
  ) {
    return this.deps.audit.recordGrant({
      id,
      tenant: principal.tenant,
      key,
      actor: principal.actor,
      action: "write",
      ...origin,
      expiresAt,
      conditions,
    });
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

/**
 * Where an upload of the caller's tenant stands (`GET /uploads/{id}`); another tenant's
 * upload is as good as absent (404). Needs only the intents, not the storage.
 */
export async function intentStatus(
  intents: Pick<UploadIntents, "get">,
  principal: Principal,
  id: string,
): Promise<IntentView> {
  const intent = await intents.get(id);
  if (!intent || intent.tenant !== principal.tenant) throw Errors.notFound("No such upload");
  return {
    id: intent.id,
    key: intent.key,
    size: intent.size,
    contentType: intent.contentType,
    method: intent.method,
    status: intent.status,
    expiresAt: intent.expiresAt,
  };
}

/** The object an intent uploads to. */
function intentObjectKey(intent: UploadIntent): string {
  return objectKeyFor(intent.tenant, intent.key);
}

function lastExpiry(parts: PartUrl[]): string {
  return (
    parts
      .map((part) => part.expiresAt)
      .sort()
      .at(-1) ?? new Date().toISOString()
  );
}

/** S3's refusal of a completion, as an error the client can act on. */
function storageError(error: unknown): unknown {
  const name = (error as { name?: string }).name;
  const message = (error as Error).message;
  switch (name) {
    case "InvalidPart":
    case "InvalidPartOrder":
    case "EntityTooSmall":
      return Errors.badRequest(`S3 refused the parts: ${message}`);
    case "NoSuchUpload":
      return Errors.conflict("S3 no longer has this multipart upload (aborted or expired)");
    case "PreconditionFailed":
      return Errors.preconditionFailed("The file exists, and the upload is create-only");
    default:
      return error;
  }
}
