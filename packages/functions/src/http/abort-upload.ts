import type { UploadService } from "@filegate/core/uploads";
import { uploads } from "../lib/uploads";
import { route } from "./boundary";

/** `DELETE /uploads/{id}`: abandons an upload; its reservation is released, its parts deleted. */
export const abortUpload = ({ uploads }: { uploads: Pick<UploadService, "abort"> }) =>
  route(async (request) => {
    await uploads.abort(request.principal, request.event.pathParameters?.id ?? "");
    return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
  });

export const handler = abortUpload({ uploads });
