import { type AccountLookup, mustFitLimits, mustHaveRoom } from "@filegate/core/accounts";
import type { GrantIssuer } from "@filegate/core/audit";
import { Errors } from "@filegate/core/errors";
import type { FileLookup } from "@filegate/core/files";
import { isMediaType } from "@filegate/core/media";
import { accountLookup } from "../lib/account-lookup";
import { fileLookup } from "../lib/file-lookup";
import { grants } from "../lib/grants";
import { fileKeyOf, grant, route } from "./boundary";

export interface PutFileDeps {
  files: Pick<FileLookup, "getPresent">;
  grants: Pick<GrantIssuer, "issue">;
  accounts: Pick<AccountLookup, "standing">;
}

/**
 * `PUT /files/{key+}`: a 307 to a presigned PUT of the tenant's object. A `Content-Type` the
 * client sent is signed in (the upload must carry the same); `If-None-Match: *` makes it
 * create-only: refused here when the index holds the key, and signed in so S3 refuses a race.
 * The size is unknown here: a tenant at its quota is refused, a type it may not store is
 * refused, and the upload is checked against its limits when it arrives. Upload intents
 * (`POST /uploads`) bind the size too.
 */
export const putFile = ({ files, grants, accounts }: PutFileDeps) =>
  route(async (request) => {
    const key = fileKeyOf(request);
    const { principal, origin } = request;
    const headers: Record<string, string> = {};

    const contentType = request.header("content-type");
    if (contentType !== undefined) {
      if (!isMediaType(contentType)) {
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
        throw Errors.preconditionFailed("The file exists, and the upload is create-only");
      }
      headers["If-None-Match"] = "*";
    }

    const standing = await accounts.standing(principal.tenant);
    mustFitLimits(standing.limits, undefined, contentType);
    // Whether the upload adds a file only matters under a file quota: look it up only then
    // (a create-only upload was found absent above).
    const newFile =
      createOnly ||
      standing.limits.maxObjects === null ||
      !(await files.getPresent(principal.tenant, key));
    mustHaveRoom(standing, { newFile });

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

export const handler = putFile({ files: fileLookup, grants, accounts: accountLookup });
