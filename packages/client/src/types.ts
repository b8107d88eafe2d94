/**
 * Shapes of the Filegate HTTP API, as the client returns them (see docs/api.md). They mirror
 * the API's JSON rather than import the server's types: the client depends on no server
 * package, so that it can be published and bundled on its own.
 */

/** A file in the tenant's index: what `GET /files` lists and `HEAD /files/{key}` reports. */
export interface FileInfo {
  /** The file key (UTF-8, relative, `/`-separated). */
  key: string;
  /** Size in bytes. */
  size: number;
  /** S3's ETag, without quotes. */
  etag: string;
  contentType: string;
  /** ISO 8601 time of the last write (HEAD reports it to the second). */
  lastModified: string;
}

/** One page of a paginated answer; `cursor` is `null` on the last page. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** What a grant allowed, and what an S3 event did. */
export type AuditAction = "read" | "write" | "delete";

/** One audit record: a grant the API issued, or an S3 event the index applied. */
export interface AuditRecord {
  id: string;
  /** When it happened: issue time of a grant, S3's event time of an event. */
  time: string;
  tenant: string;
  key: string;
  kind: "grant" | "event";
  action: AuditAction;
  /** The token's `sub`; for an event, the actor of the grant it was linked to (or null). */
  actor: string | null;
  requestId?: string;
  sourceIp?: string;
  userAgent?: string;
  expiresAt?: string;
  /** Write grants: the conditions signed into the URL. */
  conditions?: {
    contentType?: string;
    createOnly: boolean;
    /** Upload intents: the exact size and checksum signed in, the intent and its parts. */
    size?: number;
    sha256?: string;
    intent?: string;
    parts?: number[];
  };
  event?: string;
  size?: number;
  etag?: string;
  sequencer?: string;
  /** Recorded after a newer event: it did not change the file's state. */
  stale?: boolean;
  grantId?: string;
  /** How an event was linked to its actor. */
  attribution?: "metadata" | "recent-grant" | "ambiguous" | "reconciled" | "none";
  /** `ambiguous` attribution: the ids of the grants that could each have been used. */
  candidates?: string[];
  /** Created objects: admitted as the tenant's file, or quarantined (with the reason). */
  verdict?: "admitted" | "quarantined";
  reason?: string;
  /** How the file changed (absent when stale): the webhook event told of it. */
  change?: "created" | "updated" | "deleted" | "quarantined";
  contentType?: string;
  /** The upload intent the object fulfilled. */
  intentId?: string;
}

/** Filters of `GET /audit`. Times are inclusive; every field is optional. */
export interface AuditQuery {
  /** One file's history (every grant and event of the key, also after a delete). */
  key?: string;
  from?: Date | string;
  to?: Date | string;
  /** Only records of this `sub`. */
  actor?: string;
  action?: AuditAction;
  /** Another tenant, or `*` for all: needs the `audit:read:all` scope. */
  tenant?: string;
  /** Records per request (1–1000, the API's default is 100). */
  pageSize?: number;
}

/** A tenant's consumption and limits, from `GET /usage`. */
export interface Usage {
  tenant: string;
  used: { bytes: number; objects: number };
  /** Held by uploads in progress. */
  reserved: { bytes: number; objects: number };
  limits: {
    maxObjectBytes: number;
    maxBytes: number | null;
    maxObjects: number | null;
    allowedContentTypes: string[];
  };
}

/** A presigned request: send `method` to `url` with exactly `headers`, and no Authorization. */
export interface PresignedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** One part of a multipart upload intent, with its presigned PUT. */
export interface PartGrant extends PresignedRequest {
  partNumber: number;
  size: number;
}

/** `POST /uploads` → 201 for an upload S3 takes in one PUT. */
export interface SingleUploadIntent {
  id: string;
  key: string;
  size: number;
  contentType: string;
  expiresAt: string;
  method: "single";
  upload: PresignedRequest;
}

/** `POST /uploads` → 201 for an upload S3 takes in parts. */
export interface MultipartUploadIntent {
  id: string;
  key: string;
  size: number;
  contentType: string;
  expiresAt: string;
  method: "multipart";
  partSize: number;
  partCount: number;
  /** The first parts (at most 100); `GET /uploads/{id}/parts` signs the others. */
  parts: PartGrant[];
}

/** An upload intent, as `POST /uploads` creates it. */
export type UploadIntent = SingleUploadIntent | MultipartUploadIntent;

/** Where an upload intent stands (`GET /uploads/{id}`). */
export interface UploadStatus {
  id: string;
  key: string;
  size: number;
  contentType: string;
  method: "single" | "multipart";
  status: "pending" | "committed" | "quarantined" | "superseded" | "aborted" | "expired";
  expiresAt: string;
  /** A multipart upload's part size, as signed. */
  partSize?: number;
  partCount?: number;
  /** While a multipart upload is pending: the parts storage already holds, for resuming. */
  parts?: StoredPart[];
}

/** An upload intent as `onIntent` sees it: keep `id` to resume the upload later. */
export type UploadIntentInfo = Pick<
  UploadStatus,
  "id" | "key" | "size" | "contentType" | "method" | "expiresAt" | "partSize" | "partCount"
>;

/** A part storage already holds: its number, ETag (as S3 gives it, quoted) and size. */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}
