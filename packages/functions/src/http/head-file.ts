import type { FileLookup } from "@filegate/core/files";
import { fileLookup } from "../lib/file-lookup";
import { presentFile } from "../lib/present-file";
import { fileKeyOf, route } from "./boundary";

/**
 * `HEAD /files/{key+}[?wait=seconds]`: the file's size, ETag, Last-Modified and Content-Type,
 * from the index (waiting up to `wait` seconds for a new upload to be indexed).
 */
export const headFile = ({ files }: { files: Pick<FileLookup, "getPresent"> }) =>
  route(async (request) => {
    const file = await presentFile(request, fileKeyOf(request), files);
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

export const handler = headFile({ files: fileLookup });
