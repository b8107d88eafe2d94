import { type DirectPutDeps, grantDirectPut } from "@filegate/core/uploads";
import { accountLookup } from "../lib/account-lookup";
import { fileLookup } from "../lib/file-lookup";
import { grants } from "../lib/grants";
import { fileKeyOf, grant, route } from "./boundary";

export type PutFileDeps = DirectPutDeps;

/**
 * `PUT /files/{key+}`: a 307 to a presigned PUT of the tenant's object, once the direct
 * upload's rules pass ({@link grantDirectPut}): `Content-Type` and `If-None-Match: *`
 * (create only) are signed in, `If-Match` is refused, and the tenant's types and quotas apply.
 */
export const putFile = (deps: PutFileDeps) =>
  route(async (request) =>
    grant(
      request,
      await grantDirectPut(deps, {
        principal: request.principal,
        key: fileKeyOf(request),
        origin: request.origin,
        contentType: request.header("content-type"),
        ifMatch: request.header("if-match"),
        ifNoneMatch: request.header("if-none-match"),
      }),
    ),
  );

export const handler = putFile({ files: fileLookup, grants, accounts: accountLookup });
