import type { UploadService } from "@filegate/core/uploads";
import { uploads } from "../lib/uploads";
import { json, route } from "./boundary";

/** `GET /uploads/{id}`: an upload's status (pending, committed, quarantined, aborted, expired). */
export const getUpload = ({ uploads }: { uploads: Pick<UploadService, "status"> }) =>
  route(async (request) =>
    json(200, await uploads.status(request.principal, request.event.pathParameters?.id ?? "")),
  );

export const handler = getUpload({ uploads });
