import { Errors } from "../errors";
import type { FileLookup } from "../files";
import type { ObjectStorage } from "../storage";
import { objectKeyFor } from "../tenancy";
import type { CompleteRequest } from "./completion";
import type { UploadIntent } from "./intents";

export interface CompletedUpload {
  id: string;
  key: string;
  size: number;
  etag: string;
}

/**
 * Completes the multipart upload of a pending intent once every part is there (400 for a
 * part missing or given twice, 412 when a create-only upload's file appeared meanwhile); the
 * file itself arrives with S3's event.
 */
export async function completeMultipart(
  deps: {
    files: Pick<FileLookup, "getPresent">;
    storage: Pick<ObjectStorage, "completeMultipart">;
  },
  intent: UploadIntent,
  request: CompleteRequest,
): Promise<CompletedUpload> {
  if (intent.method !== "multipart" || !intent.partCount || !intent.multipartUploadId) {
    throw Errors.conflict("This upload is a single PUT: there is nothing to complete");
  }
  const parts = mustListEveryPart(intent.partCount, request);
  if (intent.createOnly && (await deps.files.getPresent(intent.tenant, intent.key))) {
    throw Errors.preconditionFailed("The file exists, and the upload is create-only");
  }
  try {
    const { etag } = await deps.storage.completeMultipart(
      objectKeyFor(intent.tenant, intent.key),
      intent.multipartUploadId,
      parts,
      { createOnly: intent.createOnly },
    );
    return { id: intent.id, key: intent.key, size: intent.size, etag };
  } catch (error) {
    throw storageError(error);
  }
}

/** The parts of a completion in order, when each of 1..`partCount` is there once; 400 otherwise. */
function mustListEveryPart(partCount: number, request: CompleteRequest) {
  const given = new Map(request.parts.map((part) => [part.partNumber, part.etag]));
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !given.has(n));
  if (missing.length > 0 || given.size !== request.parts.length || given.size !== partCount) {
    throw Errors.badRequest(
      `Every part from 1 to ${partCount} is needed exactly once` +
        (missing.length ? ` (missing ${missing.slice(0, 10).join(", ")})` : ""),
    );
  }
  return [...given].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
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
