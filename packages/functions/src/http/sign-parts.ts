import type { UploadService } from "@filegate/core/uploads";
import { uploads } from "../lib/uploads";
import { json, route } from "./boundary";

/** `GET /uploads/{id}/parts?numbers=1,2,5-9`: presigned URLs for parts (at most 100). */
export const signParts = ({ uploads }: { uploads: Pick<UploadService, "parts"> }) =>
  route(async (request) =>
    json(
      200,
      await uploads.parts(
        request.principal,
        request.event.pathParameters?.id ?? "",
        request.query("numbers"),
        request.origin,
      ),
    ),
  );

export const handler = signParts({ uploads });
