import type { GrantConditions, RequestOrigin, UploadGrantIssuer } from "../audit";
import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { PresignedRequest } from "../storage";
import type { UploadIntent } from "./intents";
import { parsePartNumbers, partSizeOf } from "./plan";

/** Parts signed per response: keeps a response small whatever the file's size. */
export const PARTS_PER_RESPONSE = 100;

export interface PartUrl extends PresignedRequest {
  partNumber: number;
  size: number;
}

/** The numbers of the parts signed with a new multipart upload: the first batch. */
export function firstParts(partCount: number): number[] {
  return Array.from({ length: Math.min(partCount, PARTS_PER_RESPONSE) }, (_, i) => i + 1);
}

/**
 * The parts a request asks to sign: `numbers` like `1,2,5-9` (the first batch when absent),
 * within the upload's parts and at most {@link PARTS_PER_RESPONSE}; 400 otherwise.
 */
export function selectParts(partCount: number, numbers: string | undefined): number[] {
  try {
    return parsePartNumbers(
      numbers ?? `1-${Math.min(partCount, PARTS_PER_RESPONSE)}`,
      partCount,
      PARTS_PER_RESPONSE,
    );
  } catch (error) {
    throw Errors.badRequest((error as Error).message);
  }
}

/**
 * Signs parts of a multipart intent, each binding its exact length, under one write grant
 * (`grantId` when the intent's own) and its audit record.
 */
export async function signParts(
  grants: Pick<UploadGrantIssuer, "issueEach">,
  request: {
    principal: Principal;
    intent: UploadIntent;
    numbers: readonly number[];
    origin: RequestOrigin;
    conditions: GrantConditions;
    grantId?: string;
  },
): Promise<PartUrl[]> {
  const { principal, intent, origin, conditions } = request;
  const uploadId = intent.multipartUploadId ?? "";
  const parts = request.numbers.map((partNumber) => ({
    partNumber,
    size: partSizeOf(intent.size, intent.partSize ?? intent.size, partNumber),
  }));
  const { signed } = await grants.issueEach(
    {
      principal,
      key: intent.key,
      action: "write",
      origin,
      conditions,
      ...(request.grantId ? { id: request.grantId } : {}),
    },
    parts.map(({ partNumber, size }) => ({
      headers: { "Content-Length": String(size) },
      query: { partNumber: String(partNumber), uploadId },
    })),
  );
  // One signed request per part, in the same order.
  return parts.map((part, i) => ({ ...part, ...(signed[i] as PresignedRequest) }));
}
