import type { GrantIssuer } from "@filegate/core/audit";
import { Errors } from "@filegate/core/errors";
import type { FileIndex } from "@filegate/core/files";
import { fileIndex } from "../lib/file-index";
import { grants } from "../lib/grants";
import { fileKeyOf, grant, route } from "./boundary";

const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;[\x20-\x7e]*)?$/;

export interface PutFileDeps {
  files: Pick<FileIndex, "getPresent">;
  grants: Pick<GrantIssuer, "issue">;
}

/**
 * `PUT /files/{key+}`: a 307 to a presigned PUT of the tenant's object. A `Content-Type` the
 * client sent is signed in (the upload must carry the same); `If-None-Match: *` makes it
 * create-only: refused here when the index holds the key, and signed in so S3 refuses a race.
 */
export const putFile = ({ files, grants }: PutFileDeps) =>
  route(async (request) => {
    const key = fileKeyOf(request);
    const { principal, origin } = request;
    const headers: Record<string, string> = {};

    const contentType = request.header("content-type");
    if (contentType !== undefined) {
      if (contentType.length > 256 || !MEDIA_TYPE.test(contentType)) {
        throw Errors.badRequest("Content-Type must be a media type such as text/plain");
      }
      headers["Content-Type"] = contentType;
    }
    if (request.header("if-match") !== undefined) {
      throw Errors.badRequest("If-Match is not supported");
    }
    const ifNoneMatch = request.header("if-none-match");
    const createOnly = ifNoneMatch !== undefined;
    if (createOnly) {
      if (ifNoneMatch.trim() !== "*") {
        throw Errors.badRequest("Only If-None-Match: * (create only) is supported");
      }
      if (await files.getPresent(principal.tenant, key)) {
        throw Errors.preconditionFailed("The file exists and If-None-Match: * was given");
      }
      headers["If-None-Match"] = "*";
    }

    const issued = await grants.issue({
      principal,
      key,
      action: "write",
      origin,
      headers,
      conditions: { ...(contentType !== undefined ? { contentType } : {}), createOnly },
    });
    return grant(request, issued);
  });

export const handler = putFile({ files: fileIndex, grants });
