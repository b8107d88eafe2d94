import type { GrantIssuer } from "@filegate/core/audit";
import type { FileLookup } from "@filegate/core/files";
import { fileLookup } from "../lib/file-lookup";
import { grants } from "../lib/grants";
import { presentFile } from "../lib/present-file";
import { fileKeyOf, grant, route } from "./boundary";

export interface GetFileDeps {
  files: Pick<FileLookup, "getPresent">;
  grants: Pick<GrantIssuer, "issue">;
}

/**
 * `GET /files/{key+}[?wait=seconds]`: a 307 to a presigned GET when the tenant holds the file
 * (waiting up to `wait` seconds for a new upload to be indexed).
 */
export const getFile = ({ files, grants }: GetFileDeps) =>
  route(async (request) => {
    const { principal, origin } = request;
    const key = fileKeyOf(request);
    await presentFile(request, key, files);
    return grant(request, await grants.issue({ principal, key, action: "read", origin }));
  });

export const handler = getFile({ files: fileLookup, grants });
