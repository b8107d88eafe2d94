import type { GrantIssuer } from "@filegate/core/audit";
import { Errors } from "@filegate/core/errors";
import type { FileIndex } from "@filegate/core/files";
import { fileIndex } from "../lib/file-index";
import { grants } from "../lib/grants";
import { fileKeyOf, grant, route } from "./boundary";

export interface GetFileDeps {
  files: Pick<FileIndex, "getPresent">;
  grants: Pick<GrantIssuer, "issue">;
}

/** `GET /files/{key+}`: a 307 to a presigned GET when the tenant holds the file. */
export const getFile = ({ files, grants }: GetFileDeps) =>
  route(async (request) => {
    const key = fileKeyOf(request);
    const { principal, origin } = request;
    if (!(await files.getPresent(principal.tenant, key))) throw Errors.notFound();
    return grant(request, await grants.issue({ principal, key, action: "read", origin }));
  });

export const handler = getFile({ files: fileIndex, grants });
