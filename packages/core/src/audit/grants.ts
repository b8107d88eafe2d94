import { ATTESTATION_METADATA, type Keyring, sealAttestation, signingKey } from "../attest";
import type { Principal } from "../auth";
import type { PresignedRequest, Presigner, PresignInput } from "../storage";
import { type FileKey, objectKeyFor } from "../tenancy";
import type { GrantRecorder } from "./recorder";
import { type AuditAction, type GrantConditions, newGrantId } from "./records";

/** The object metadata field that carries the id of the write grant an upload used. */
export const GRANT_METADATA = "filegate-grant";
const GRANT_QUERY = `x-amz-meta-${GRANT_METADATA}`;
/** The longest a presigned URL may live (SigV4's 7 days): an attestation's own expiry bound. */
const MAX_PRESIGN_MS = 7 * 24 * 3600 * 1000;

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

/** Who may do what to which file: what the audit record of a grant says. */
export interface GrantScope {
  principal: Principal;
  key: FileKey;
  action: AuditAction;
  origin: RequestOrigin;
  conditions?: GrantConditions;
  /** The grant's id when it was chosen beforehand: an upload intent stores it before signing. */
  id?: string;
}

export interface GrantRequest extends GrantScope {
  /** Headers the client must send, signed in (writes: Content-Type, If-None-Match). */
  headers?: Record<string, string>;
  /** Object metadata signed into a write beside the grant's id (an upload intent's id). */
  metadata?: Record<string, string>;
  /** A plain PUT: what the file held when it was granted, attested for quota admission. */
  replaces?: { bytes: number; objects: number };
}

/** One of several requests signed under one grant: a part of a multipart upload. */
export interface GrantedRequest {
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/**
 * The one way a presigned request leaves the API: each grant is signed for the caller's own
 * object and journaled, so no URL leaves without its audit record. A write grant's id is
 * signed into the upload as object metadata, so the S3 event of the upload can be linked back
 * to the person it was issued to. Each write also carries a sealed attestation of who, under
 * which grant and on which conditions (`core/attest`): S3 refuses the upload if it is altered
 * or left out, and arrival verifies it without reading the journal. Redirects, upload intents
 * and multipart parts all use it.
 */
export class GrantIssuer {
  constructor(
    protected readonly presigner: Presigner,
    private readonly audit: Pick<GrantRecorder, "recordGrant">,
    protected readonly keyring: Keyring,
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** One presigned request (GET, PUT or DELETE of the file) and its audit record. */
  async issue(request: GrantRequest): Promise<PresignedRequest & { grantId: string }> {
    const id = request.id ?? newGrantId(this.now());
    const objectKey = objectKeyFor(request.principal.tenant, request.key);
    let query: Record<string, string> | undefined;
    if (request.action === "write") {
      this.mustAttest();
      const issued = this.now();
      const expires = new Date(issued.getTime() + MAX_PRESIGN_MS);
      query = grantQuery(id, {
        ...request.metadata,
        [ATTESTATION_METADATA]: this.attest(request, id, issued, expires.toISOString()),
      });
    }
    const presigned = await this.presigner.presign({
      method: METHOD[request.action],
      objectKey,
      headers: request.headers,
      query,
    });
    await this.record(request, id, presigned.expiresAt);
    return { ...presigned, grantId: id };
  }

  /** Refuses (503 `attestation_unconfigured`) before anything is reserved when no key can sign. */
  mustAttest(): void {
    signingKey(this.keyring);
  }

  /**
   * The sealed attestation of a write under grant `id`: its metadata value. Multipart uploads
   * carry it from their creation.
   */
  attest(
    scope: Omit<GrantRequest, "action" | "origin">,
    id: string,
    issued: Date,
    expiresAt: string,
  ): string {
    const c = scope.conditions;
    return sealAttestation(this.keyring, objectKeyFor(scope.principal.tenant, scope.key), {
      actor: scope.principal.actor,
      grantId: id,
      intentId: c?.intent,
      size: c?.size,
      contentType: c?.contentType,
      sha256: c?.sha256,
      createOnly: c?.createOnly,
      replaces: scope.replaces,
      issuedAt: issued.toISOString(),
      expiresAt,
    });
  }

  protected record(scope: GrantScope, id: string, expiresAt: string): Promise<void> {
    const { principal, origin } = scope;
    return this.audit.recordGrant({
      id,
      tenant: principal.tenant,
      key: scope.key,
      actor: principal.actor,
      action: scope.action,
      requestId: origin.requestId,
      sourceIp: origin.sourceIp,
      userAgent: origin.userAgent,
      expiresAt,
      conditions: scope.conditions,
    });
  }
}

/**
 * A {@link GrantIssuer} that also signs several requests under one grant: upload intents use
 * it for multipart parts. A class of its own so that the redirect handlers' bundles, which
 * never sign parts, do not carry it.
 */
export class UploadGrantIssuer extends GrantIssuer {
  /**
   * Several presigned requests of the file under one grant and one audit record (the parts of
   * a multipart upload, whose metadata the upload itself carries). The record's expiry is the
   * latest of theirs.
   */
  async issueEach(
    scope: GrantScope,
    requests: readonly GrantedRequest[],
  ): Promise<{ grantId: string; signed: PresignedRequest[] }> {
    const id = scope.id ?? newGrantId(this.now());
    const method = METHOD[scope.action];
    const objectKey = objectKeyFor(scope.principal.tenant, scope.key);
    const signed = await Promise.all(
      requests.map(({ headers, query }) =>
        this.presigner.presign({ method, objectKey, headers, query }),
      ),
    );
    const latest = signed
      .map((request) => request.expiresAt)
      .sort()
      .at(-1);
    await this.record(scope, id, latest ?? this.now().toISOString());
    return { grantId: id, signed };
  }
}

/** The signed query of a write: the grant's id, and any other metadata, as object metadata. */
function grantQuery(id: string, metadata?: Record<string, string>): Record<string, string> {
  const query: Record<string, string> = { [GRANT_QUERY]: id };
  if (!metadata) return query;
  for (const [name, value] of Object.entries(metadata)) query[`x-amz-meta-${name}`] = value;
  return query;
}
