import { type AccountLookup, mustFitLimits, mustHaveRoom } from "../accounts";
import type { GrantIssuer, RequestOrigin } from "../audit";
import type { Principal } from "../auth";
import { Errors } from "../errors";
import type { FileLookup } from "../files";
import { isMediaType } from "../media";
import type { PresignedRequest } from "../storage";
import type { FileKey } from "../tenancy";

/** A direct upload (`PUT /files/{key+}`) as its rules see it: who, which file, which headers. */
export interface DirectPutRequest {
  principal: Principal;
  key: FileKey;
  origin: RequestOrigin;
  contentType?: string | undefined;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export interface DirectPutDeps {
  files: Pick<FileLookup, "getPresent">;
  accounts: Pick<AccountLookup, "standing">;
  grants: Pick<GrantIssuer, "issue">;
}

const ZERO = { bytes: 0, objects: 0 };

/** What a direct upload signs in: the headers it must carry, and whether it is create-only. */
export interface DirectPutTerms {
  headers: Record<string, string>;
  contentType?: string | undefined;
  createOnly: boolean;
}

/**
 * The header rules of a direct upload, before anything is read: a `Content-Type` must be a
 * media type and is signed in (the upload must carry the same); `If-Match` is refused;
 * `If-None-Match` may only be `*` (create only), and is signed in so that S3 refuses a race.
 */
export function directPutTerms(
  request: Pick<DirectPutRequest, "contentType" | "ifMatch" | "ifNoneMatch">,
): DirectPutTerms {
  const { contentType, ifNoneMatch } = request;
  const headers: Record<string, string> = {};
  if (contentType !== undefined) {
    if (!isMediaType(contentType)) {
      throw Errors.badRequest("Content-Type must be a media type such as text/plain");
    }
    headers["Content-Type"] = contentType;
  }
  if (request.ifMatch !== undefined) throw Errors.badRequest("If-Match is not supported");
  const createOnly = ifNoneMatch !== undefined;
  if (createOnly) {
    if (ifNoneMatch.trim() !== "*") {
      throw Errors.badRequest("Only If-None-Match: * (create only) is supported");
    }
    headers["If-None-Match"] = "*";
  }
  return { headers, contentType, createOnly };
}

/**
 * The presigned PUT of a direct upload, with its grant's audit record, once the rules pass:
 * the header rules ({@link directPutTerms}); a create-only upload of a file the index holds
 * is refused (412); a type the tenant may not store is refused (415), and so is any upload
 * once the tenant is at its storage quota, or a new file at its file quota (413
 * `quota_exceeded`). The size is unknown here: the upload is checked against the tenant's
 * limits and admitted against its quotas when it arrives (the URL attests what the file held
 * when it was granted). Upload intents (`POST /uploads`) bind the size too.
 */
export async function grantDirectPut(
  deps: DirectPutDeps,
  request: DirectPutRequest,
): Promise<PresignedRequest & { grantId: string }> {
  const { principal, key, origin } = request;
  const { tenant } = principal;
  const { headers, contentType, createOnly } = directPutTerms(request);
  if (createOnly && (await deps.files.getPresent(tenant, key))) {
    throw Errors.preconditionFailed("The file exists, and the upload is create-only");
  }
  const standing = await deps.accounts.standing(tenant);
  const { limits } = standing;
  mustFitLimits(limits, undefined, contentType);
  // What the upload replaces only matters under a quota: look it up only then (a create-only
  // upload was found absent above). It is attested, so that arrival admits only the growth.
  const quotas = limits.maxObjects !== null || limits.maxBytes !== null;
  const existing = !createOnly && quotas ? await deps.files.getPresent(tenant, key) : undefined;
  mustHaveRoom(standing, { newFile: !existing });
  return deps.grants.issue({
    principal,
    key,
    action: "write",
    origin,
    headers,
    conditions: { ...(contentType !== undefined ? { contentType } : {}), createOnly },
    ...(quotas ? { replaces: existing ? { bytes: existing.size, objects: 1 } : ZERO } : {}),
  });
}
