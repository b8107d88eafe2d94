import { Errors } from "@filegate/core/errors";
import type { FileIndex } from "@filegate/core/files";
import type { Presigner } from "@filegate/core/presign";
import { objectKeyFor } from "@filegate/core/tenancy";
import { fileIndex } from "../lib/file-index";
import { presigner } from "../lib/presigner";
import { fileKeyOf, grant, route } from "./boundary";

export interface DeleteFileDeps {
  files: Pick<FileIndex, "getPresent">;
  presigner: Presigner;
}

/** `DELETE /files/{key+}`: a 307 to a presigned DELETE when the tenant holds the file. */
export const deleteFile = ({ files, presigner }: DeleteFileDeps) =>
  route(async (request) => {
    const key = fileKeyOf(request);
    const { tenant } = request.principal;
    if (!(await files.getPresent(tenant, key))) throw Errors.notFound();
    const objectKey = objectKeyFor(tenant, key);
    return grant(request, await presigner.presign({ method: "DELETE", objectKey }));
  });

export const handler = deleteFile({ files: fileIndex, presigner });
