import type { ObjectStorage } from "@filegate/core/storage";
import { intentStatus, type UploadIntents } from "@filegate/core/uploads";
import { intents } from "../lib/intents";
import { json, route } from "./boundary";

/**
 * `GET /uploads/{id}`: an upload's status (pending, committed, quarantined, aborted, expired)
 * and, while a multipart upload is pending, the parts storage holds with their ETags.
 */
export const getUpload = (deps: {
  intents: Pick<UploadIntents, "get">;
  storage: Pick<ObjectStorage, "listParts">;
}) =>
  route(async (request) =>
    json(200, await intentStatus(deps, request.principal, request.event.pathParameters?.id ?? "")),
  );

/**
 * The S3 client is loaded on the first ListParts only: most calls (a client polling a single
 * PUT until it is committed) never need it, and its SDK is most of a cold start's import.
 */
const storage: Pick<ObjectStorage, "listParts"> = {
  async listParts(objectKey, uploadId) {
    const { storage } = await import("../lib/storage");
    return storage.listParts(objectKey, uploadId);
  },
};

export const handler = getUpload({ intents, storage });
