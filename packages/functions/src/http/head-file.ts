import { Errors } from "@filegate/core/errors";
import { fileIndex } from "../lib/file-index";
import { fileKeyOf, route } from "./boundary";

/** `HEAD /files/{key+}`: the file's size, ETag, Last-Modified and Content-Type, from the index. */
export const handler = route(async (request) => {
  const file = await fileIndex.getPresent(request.principal.tenant, fileKeyOf(request));
  if (!file) throw Errors.notFound();
  return {
    statusCode: 200,
    headers: {
      "Content-Length": String(file.size),
      "Content-Type": file.contentType,
      ETag: `"${file.etag}"`,
      "Last-Modified": new Date(file.lastModified).toUTCString(),
      "Cache-Control": "no-store",
    },
    body: "",
  };
});
