import { mustFitLimits, type TenantAccounts, type TenantLimits } from "../accounts";
import { ATTESTATION_METADATA } from "../attest";
import {
  GRANT_METADATA,
  type GrantConditions,
  type GrantIssuer,
  newGrantId,
  type RequestOrigin,
  type UploadGrantIssuer,
} from "../audit";
import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { FileLookup } from "../files";
import type { ObjectStorage, PresignedRequest, StoredPart } from "../storage";
import { type FileKey, mustBeValidKey, objectKeyFor } from "../tenancy";
import {
  INTENT_METADATA,
  type IntentStatus,
  newIntentId,
  type UploadIntent,
  type UploadIntents,
} from "./intents";
import { firstParts, type PartUrl, signParts } from "./parts";
import { planUpload, type UploadPlan } from "./plan";
import type { IntentRequest } from "./requests";

/** A single PUT may still be in flight when its URL expires: the intent lives this much longer. */
const SINGLE_GRACE_SECONDS = 15 * 60;

/** The settings that shape an upload: URL lifetime, when to go multipart, part size, TTL. */
export interface UploadSettings {
  presignExpiresSeconds: number;
  multipartThresholdBytes: number;
  partSizeBytes: number;
  multipartTtlSeconds: number;
}

export interface IntentView {
  id: string;
  key: string;
  size: number;
  contentType: string;
  method: "single" | "multipart";
  status: IntentStatus;
  expiresAt: string;
  /** A multipart upload's part size, as signed. */
  partSize?: number;
  partCount?: number;
  /** A pending multipart upload's parts that storage already holds, for resuming. */
  parts?: StoredPart[];
}

type CreatedBase = Omit<IntentView, "status" | "partSize" | "partCount" | "parts">;

export type IntentCreated =
  | (CreatedBase & { method: "single"; upload: PresignedRequest })
  | (CreatedBase & {
      method: "multipart";
      partSize: number;
      partCount: number;
      parts: PartUrl[];
    });

export interface CreateIntentDeps {
  intents: Pick<UploadIntents, "create">;
  accounts: Pick<TenantAccounts, "limits" | "reserve" | "release">;
  files: Pick<FileLookup, "getPresent">;
  grants: Pick<UploadGrantIssuer, "issue" | "issueEach" | "attest" | "mustAttest">;
  storage: Pick<ObjectStorage, "createMultipart">;
  settings: UploadSettings;
  now: () => Date;
}

/**
 * Agrees an upload before any byte moves: checked against the tenant's limits (and, when
 * create-only, against the index), its size reserved against the quota, then signed with
 * exactly what was agreed — one PUT, or the first batch of a multipart upload's parts.
 */
export async function createIntent(
  deps: CreateIntentDeps,
  principal: Principal,
  request: IntentRequest,
  origin: RequestOrigin,
): Promise<IntentCreated> {
  const { key, size, contentType } = request;
  mustBeValidKey(key);
  deps.grants.mustAttest();
  const limits = await admit(deps, principal, key, request);
  const plan = planUpload(size, {
    thresholdBytes: deps.settings.multipartThresholdBytes,
    minPartSize: deps.settings.partSizeBytes,
    multipart: request.multipart,
    partSize: request.partSize,
    maxPartSize: limits.maxObjectBytes,
  });
  const intent = newIntent(deps, principal, key, request, plan);
  const conditions: GrantConditions = {
    contentType,
    createOnly: intent.createOnly,
    size,
    intent: intent.id,
    ...(request.sha256 ? { sha256: request.sha256 } : {}),
  };
  await reserve(deps, intent, limits, { principal, conditions });

  const base = { id: intent.id, key, size, contentType, expiresAt: intent.expiresAt };
  const grant = { principal, origin, conditions };
  if (plan.method === "single") {
    return { ...base, method: "single", upload: await signSingle(deps.grants, intent, grant) };
  }
  const numbers = firstParts(plan.partCount);
  const parts = await signParts(deps.grants, {
    ...grant,
    intent,
    numbers,
    conditions: { ...conditions, parts: numbers },
    grantId: intent.grantId,
  });
  return {
    ...base,
    method: "multipart",
    partSize: plan.partSize,
    partCount: plan.partCount,
    parts,
  };
}

/** The tenant's limits, once the upload fits them and a create-only upload's file is absent. */
async function admit(
  deps: Pick<CreateIntentDeps, "accounts" | "files">,
  principal: Principal,
  key: FileKey,
  request: IntentRequest,
): Promise<TenantLimits> {
  const limits = await deps.accounts.limits(principal.tenant);
  mustFitLimits(limits, request.size, request.contentType);
  if (request.ifNoneMatch === "*" && (await deps.files.getPresent(principal.tenant, key))) {
    throw Errors.preconditionFailed("The file exists, and the upload is create-only");
  }
  return limits;
}

/** A pending intent for the request as planned, with the id of the grant it will be signed with. */
function newIntent(
  deps: Pick<CreateIntentDeps, "settings" | "now">,
  principal: Principal,
  key: FileKey,
  request: IntentRequest,
  plan: UploadPlan,
): UploadIntent {
  const { settings } = deps;
  const now = deps.now();
  const lifetime =
    plan.method === "single"
      ? settings.presignExpiresSeconds + SINGLE_GRACE_SECONDS
      : settings.multipartTtlSeconds;
  return {
    id: newIntentId(),
    tenant: principal.tenant,
    key,
    actor: principal.actor,
    size: request.size,
    contentType: request.contentType,
    ...(request.sha256 ? { sha256: request.sha256 } : {}),
    createOnly: request.ifNoneMatch === "*",
    method: plan.method,
    ...(plan.method === "multipart" ? { partSize: plan.partSize, partCount: plan.partCount } : {}),
    grantId: newGrantId(now),
    status: "pending",
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString(),
  };
}

/**
 * Reserves the intent's size against the quota, then stores it (a multipart upload started
 * first, with the grant and intent ids as its metadata); the reservation is released when
 * either fails.
 */
async function reserve(
  deps: Pick<CreateIntentDeps, "accounts" | "intents" | "storage" | "grants" | "now">,
  intent: UploadIntent,
  limits: TenantLimits,
  attested: { principal: Principal; conditions: GrantConditions },
): Promise<void> {
  const amount = { bytes: intent.size, objects: 1 };
  await deps.accounts.reserve(intent.tenant, amount, limits);
  try {
    if (intent.method === "multipart") {
      intent.multipartUploadId = await deps.storage.createMultipart(
        objectKeyFor(intent.tenant, intent.key),
        {
          contentType: intent.contentType,
          metadata: {
            ...intentMetadata(intent),
            [ATTESTATION_METADATA]: deps.grants.attest(
              { ...attested, key: intent.key },
              intent.grantId,
              deps.now(),
              intent.expiresAt,
            ),
          },
        },
      );
    }
    await deps.intents.create(intent);
  } catch (error) {
    await deps.accounts.release(intent.tenant, amount);
    throw error;
  }
}

/** The one PUT of a single-request intent: exact length, type and checksum signed in. */
async function signSingle(
  grants: Pick<GrantIssuer, "issue">,
  intent: UploadIntent,
  grant: { principal: Principal; origin: RequestOrigin; conditions: GrantConditions },
): Promise<PresignedRequest> {
  const { grantId: _, ...upload } = await grants.issue({
    ...grant,
    key: intent.key,
    action: "write",
    id: intent.grantId,
    headers: {
      "Content-Type": intent.contentType,
      "Content-Length": String(intent.size),
      ...(intent.sha256 ? { "x-amz-checksum-sha256": intent.sha256 } : {}),
      ...(intent.createOnly ? { "If-None-Match": "*" } : {}),
    },
    metadata: { [INTENT_METADATA]: intent.id },
  });
  return upload;
}

/** The object metadata an intent's upload carries: its grant's id and its own. */
function intentMetadata(intent: UploadIntent): Record<string, string> {
  return { [GRANT_METADATA]: intent.grantId, [INTENT_METADATA]: intent.id };
}
