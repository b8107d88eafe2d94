import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { ObjectStorage, StoredPart } from "../storage";
import { objectKeyFor } from "../tenancy";
import type { IntentView } from "./create";
import type { UploadIntent, UploadIntents } from "./intents";

/**
 * Where an upload of the caller's tenant stands (`GET /uploads/{id}`); another tenant's
 * upload is as good as absent (404). A pending multipart upload also lists the parts storage
 * already holds (ListParts), with their ETags: a client resumes by sending only the others.
 */
export async function intentStatus(
  deps: { intents: Pick<UploadIntents, "get">; storage: Pick<ObjectStorage, "listParts"> },
  principal: Principal,
  id: string,
): Promise<IntentView> {
  const intent = await deps.intents.get(id);
  if (!intent || intent.tenant !== principal.tenant) throw Errors.notFound("No such upload");
  const view: IntentView = {
    id: intent.id,
    key: intent.key,
    size: intent.size,
    contentType: intent.contentType,
    method: intent.method,
    status: intent.status,
    expiresAt: intent.expiresAt,
  };
  if (intent.method !== "multipart") return view;
  return {
    ...view,
    ...(intent.partSize ? { partSize: intent.partSize } : {}),
    ...(intent.partCount ? { partCount: intent.partCount } : {}),
    ...(intent.status === "pending" ? { parts: await storedParts(deps.storage, intent) } : {}),
  };
}

/** The parts storage holds of a pending multipart intent; none once S3 no longer knows it. */
async function storedParts(
  storage: Pick<ObjectStorage, "listParts">,
  intent: UploadIntent,
): Promise<StoredPart[]> {
  if (!intent.multipartUploadId) return [];
  try {
    return await storage.listParts(
      objectKeyFor(intent.tenant, intent.key),
      intent.multipartUploadId,
    );
  } catch (error) {
    // Completed or aborted meanwhile: the intent's status catches up with S3's event.
    if ((error as Error).name === "NoSuchUpload") return [];
    throw error;
  }
}
