import { IntentRequestSchema, parseBody, type UploadService } from "@filegate/core/uploads";
import { uploads } from "../lib/uploads";
import { json, route } from "./boundary";

/**
 * `POST /uploads` `{key, size, contentType, sha256?, ifNoneMatch?}`: an upload intent, checked
 * against the tenant's limits and reserved against its quota, with how to upload: one
 * presigned PUT binding the exact length, type and checksum, or a multipart plan.
 */
export const createUpload = ({ uploads }: { uploads: Pick<UploadService, "create"> }) =>
  route(async (request) => {
    const body = parseBody(IntentRequestSchema, request.body());
    return json(201, await uploads.create(request.principal, body, request.origin));
  });

export const handler = createUpload({ uploads });
