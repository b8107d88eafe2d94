import type { ObjectStorage } from "@filegate/core/storage";
import { intentStatus, type UploadIntents } from "@filegate/core/uploads";
import { intents } from "../lib/intents";
import { storage } from "../lib/storage";
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

export const handler = getUpload({ intents, storage });
