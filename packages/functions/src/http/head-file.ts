import { Errors } from "@filegate/core/errors";
import type { FileIndex } from "@filegate/core/files";
import { fileIndex } from "../lib/file-index";
import { fileKeyOf, route } from "./boundary";

/** `HEAD /files/{key+}`: the file's size, ETag, Last-Modified and Content-Type, from the index. */
export const headFile = ({ files }: { files: Pick<FileIndex, "getPresent"> }) =>
  route(async (request) => {
    const file = await files.getPresent(request.principal.tenant, fileKeyOf(request));
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

export const handler = headFile({ files: fileIndex });
