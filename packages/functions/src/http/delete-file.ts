import type { GrantIssuer } from "@filegate/core/audit";
import { Errors } from "@filegate/core/errors";
import type { FileLookup } from "@filegate/core/files";
import { fileLookup } from "../lib/file-lookup";
import { grants } from "../lib/grants";
import { fileKeyOf, grant, route } from "./boundary";

export interface DeleteFileDeps {
  files: Pick<FileLookup, "getPresent">;
  grants: Pick<GrantIssuer, "issue">;
}

/** `DELETE /files/{key+}`: a 307 to a presigned DELETE when the tenant holds the file. */
export const deleteFile = ({ files, grants }: DeleteFileDeps) =>
  route(async (request) => {
    const key = fileKeyOf(request);
    const { principal, origin } = request;
    if (!(await files.getPresent(principal.tenant, key))) throw Errors.notFound();
    return grant(request, await grants.issue({ principal, key, action: "delete", origin }));
  });

export const handler = deleteFile({ files: fileLookup, grants });
