import { FilegateError } from "./errors";
import type { Transport } from "./transport";
import type {
  MultipartUploadIntent,
  StoredPart,
  UploadIntent,
  UploadIntentInfo,
  UploadStatus,
} from "./types";

/** A multipart intent to carry on with, and the parts storage already holds of it. */
export interface ResumedIntent {
  intent: MultipartUploadIntent;
  stored: StoredPart[];
}

/**
 * Finds the pending multipart intent `id` (`GET /uploads/{id}`) for `key` and `size` bytes,
 * with the parts storage holds: an upload resumes by sending only the others. Throws a
 * {@link FilegateError} (`not_resumable`) when the intent is not that: ended, a single PUT,
 * or for another key or size.
 */
export async function resumeIntent(
  transport: Transport,
  id: string,
  key: string,
  size: number,
  signal?: AbortSignal,
): Promise<ResumedIntent> {
  const status = await transport.json<UploadStatus>({
    method: "GET",
    path: `/uploads/${encodeURIComponent(id)}`,
    signal,
  });
  const refuse = (why: string) =>
    new FilegateError({
      status: 0,
      code: "not_resumable",
      message: `Upload ${id} cannot be resumed: ${why}`,
      source: "client",
    });
  if (status.status !== "pending") throw refuse(`it is ${status.status}`);
  if (status.method !== "multipart" || !status.partSize || !status.partCount) {
    throw refuse("it is a single PUT (only multipart uploads resume)");
  }
  if (status.key !== key) throw refuse(`it is for ${status.key}, not ${key}`);
  if (status.size !== size) throw refuse(`it is for ${status.size} bytes, not ${size}`);
  return {
    intent: {
      id: status.id,
      key: status.key,
      size: status.size,
      contentType: status.contentType,
      expiresAt: status.expiresAt,
      method: "multipart",
      partSize: status.partSize,
      partCount: status.partCount,
      // Every URL is signed afresh, for the parts that are missing only.
      parts: [],
    },
    stored: status.parts ?? [],
  };
}

/** What `onIntent` is told of an intent: enough to show it and to resume it. */
export function describeIntent(intent: UploadIntent): UploadIntentInfo {
  const { id, key, size, contentType, method, expiresAt } = intent;
  return {
    id,
    key,
    size,
    contentType,
    method,
    expiresAt,
    ...(intent.method === "multipart"
      ? { partSize: intent.partSize, partCount: intent.partCount }
      : {}),
  };
}
