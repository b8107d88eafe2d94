import type { Principal } from "../auth";
import type { PresignedRequest, Presigner, PresignInput } from "../storage";
import { type FileKey, objectKeyFor } from "../tenancy";
import type { AuditJournal } from "./journal";
import { type AuditAction, type GrantConditions, newGrantId } from "./records";

/** The object metadata field that carries the id of the write grant an upload used. */
export const GRANT_METADATA = "filegate-grant";
const GRANT_QUERY = `x-amz-meta-${GRANT_METADATA}`;

const METHOD: Record<AuditAction, PresignInput["method"]> = {
  read: "GET",
  write: "PUT",
  delete: "DELETE",
};

/** Where a request came from, for the audit record of the grant it receives. */
export interface RequestOrigin {
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

export interface GrantRequest {
  principal: Principal;
  key: FileKey;
  action: AuditAction;
  origin: RequestOrigin;
  /** Headers the client must send, signed in (writes: Content-Type, If-None-Match). */
  headers?: Record<string, string>;
  conditions?: GrantConditions;
}

/**
 * Issues presigned requests, each with its audit record: no URL leaves without its record.
 * A write grant's id is signed into the upload as object metadata, so the S3 event of the
 * upload can be linked back to the person it was issued to.
 */
export class GrantIssuer {
  constructor(
    private readonly presigner: Presigner,
    private readonly audit: Pick<AuditJournal, "recordGrant">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(request: GrantRequest): Promise<PresignedRequest & { grantId: string }> {
    const { principal, key, action, origin } = request;
    const id = newGrantId(this.now());
    const presigned = await this.presigner.presign({
      method: METHOD[action],
      objectKey: objectKeyFor(principal.tenant, key),
      headers: request.headers,
      query: action === "write" ? { [GRANT_QUERY]: id } : undefined,
    });
    await this.audit.recordGrant({
      id,
      tenant: principal.tenant,
      key,
      actor: principal.actor,
      action,
      requestId: origin.requestId,
      sourceIp: origin.sourceIp,
      userAgent: origin.userAgent,
      expiresAt: presigned.expiresAt,
      conditions: request.conditions,
    });
    return { ...presigned, grantId: id };
  }
}
