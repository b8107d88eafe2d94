import type { ApplyOutcome, FileIndex } from "../files";
import { normalizeSequencer } from "../table";
import { parseObjectKey } from "../tenancy";
import { decodeEventKey, type S3EventRecord } from "./notification";

/** What S3 says about an object now (HeadObject), or `undefined` when it is gone. */
export type DescribeObject = (
  objectKey: string,
) => Promise<{ contentType: string; etag: string } | undefined>;

export interface IngestDeps {
  index: FileIndex;
  /** Events of other buckets are skipped. */
  bucket: string;
  describeObject: DescribeObject;
}

export type IngestOutcome = ApplyOutcome | "skipped";

export interface IngestResult {
  outcome: IngestOutcome;
  eventName: string;
  objectKey: string;
  sequencer: string;
  tenant?: string;
  key?: string;
  /** Why a record was skipped. */
  reason?: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Applies one S3 event record to the index. Created and removed events are applied only if
 * newer (by sequencer) than what the index holds; a repeat is a no-op; a removal leaves a
 * tombstone. Objects outside the tenant layout, other buckets and other event types are
 * skipped. Throws only when the record cannot be processed (then it must be retried).
 */
export async function ingestRecord(record: S3EventRecord, deps: IngestDeps): Promise<IngestResult> {
  const objectKey = decodeEventKey(record.s3.object.key);
  const sequencer = record.s3.object.sequencer;
  const base = { eventName: record.eventName, objectKey, sequencer };
  const seq = normalizeSequencer(sequencer);

  if (record.s3.bucket.name !== deps.bucket) {
    return {
      ...base,
      outcome: "skipped",
      reason: `event of another bucket (${record.s3.bucket.name})`,
    };
  }
  const kind = record.eventName.startsWith("ObjectCreated:")
    ? "created"
    : record.eventName.startsWith("ObjectRemoved:")
      ? "removed"
      : undefined;
  if (!kind) return { ...base, outcome: "skipped", reason: "not a created or removed event" };

  const location = parseObjectKey(objectKey);
  if (!location) return { ...base, outcome: "skipped", reason: "object outside the tenant layout" };
  const { tenant, key } = location;

  if (kind === "removed") {
    const outcome = await deps.index.applyRemoved({
      tenant,
      key,
      seq,
      eventTime: record.eventTime,
    });
    return { ...base, tenant, key, outcome };
  }

  const etag = unquote(record.s3.object.eTag ?? "");
  const current = await deps.describeObject(objectKey);
  // Only trust what HeadObject says when it describes the very object of this event.
  const same = current !== undefined && (etag === "" || unquote(current.etag) === etag);
  const outcome = await deps.index.applyCreated({
    tenant,
    key,
    seq,
    size: record.s3.object.size ?? 0,
    etag: etag || (same && current ? unquote(current.etag) : ""),
    contentType: same && current ? current.contentType : DEFAULT_CONTENT_TYPE,
    eventTime: record.eventTime,
  });
  return { ...base, tenant, key, outcome };
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, "$1");
}
