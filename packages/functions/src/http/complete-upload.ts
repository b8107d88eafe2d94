import { CompleteRequestSchema, parseBody, type UploadService } from "@filegate/core/uploads";
import { uploads } from "../lib/uploads";
import { json, route } from "./boundary";

/** `POST /uploads/{id}/complete` `{parts: [{partNumber, etag}]}`: completes a multipart upload. */
export const completeUpload = ({ uploads }: { uploads: Pick<UploadService, "complete"> }) =>
  route(async (request) => {
    const body = parseBody(CompleteRequestSchema, request.body());
    const id = request.event.pathParameters?.id ?? "";
    return json(200, await uploads.complete(request.principal, id, body));
  });

export const handler = completeUpload({ uploads });
