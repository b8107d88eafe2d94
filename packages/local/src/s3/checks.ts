/**
 * What S3 checks on a write before it keeps the object: conditional headers (evaluated when
 * the write commits) and the digests a client sent with the body.
 */
import { isStorableKey, MAX_KEY_BYTES } from "./keys";
import type { RecordHeader, StagedBody } from "./records";
import { type Metadata, S3Error } from "./s3rver-models";

/** The request as the store sees it: lower-case headers (with x-amz-* query parameters). */
export interface WriteRequest {
  headers?: Metadata;
  /** A POST policy's `content-length-range`. */
  sizeRange?: readonly [number, number];
}

const CHECKSUMS = [
  { header: "x-amz-checksum-crc32", digest: "crc32", name: "CRC32" },
  { header: "x-amz-checksum-sha1", digest: "sha1", name: "SHA1" },
  { header: "x-amz-checksum-sha256", digest: "sha256", name: "SHA256" },
] as const;

/** The digests a request asks the body to be checked against. */
export function wantedDigests(request: WriteRequest): Array<"sha1" | "sha256" | "crc32"> {
  const headers = request.headers ?? {};
  const wanted = CHECKSUMS.filter((c) => headers[c.header] !== undefined).map((c) => c.digest);
  if (/^[0-9a-f]{64}$/i.test(headers["x-amz-content-sha256"] ?? "")) wanted.push("sha256");
  return wanted;
}

/**
 * Refuses a body that does not match what the request said about it: `Content-MD5`,
 * `x-amz-content-sha256`, `x-amz-checksum-crc32|sha1|sha256` (query parameters of a
 * presigned URL included), and a POST policy's size range.
 */
export function checkBody(staged: StagedBody, request: WriteRequest): void {
  const headers = request.headers ?? {};
  const contentMd5 = headers["content-md5"];
  if (contentMd5 !== undefined) {
    const claimed = Buffer.from(contentMd5, "base64");
    if (claimed.length !== 16) {
      throw new S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", {
        "Content-MD5": contentMd5,
      });
    }
    if (!claimed.equals(staged.digests.md5 as Buffer)) {
      throw new S3Error(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
      );
    }
  }
  const sha256 = headers["x-amz-content-sha256"] ?? "";
  if (
    /^[0-9a-f]{64}$/i.test(sha256) &&
    staged.digests.sha256?.toString("hex") !== sha256.toLowerCase()
  ) {
    throw new S3Error(
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: sha256 },
    );
  }
  for (const checksum of CHECKSUMS) {
    const claimed = headers[checksum.header];
    if (claimed === undefined) continue;
    if (claimed !== staged.digests[checksum.digest]?.toString("base64")) {
      throw new S3Error(
        "BadDigest",
        `The ${checksum.name} you specified did not match the calculated checksum.`,
      );
    }
  }
  if (request.sizeRange) {
    const [min, max] = request.sizeRange;
    if (staged.size > max) {
      throw new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
        ProposedSize: staged.size,
        MaxSizeAllowed: max,
      });
    }
    if (staged.size < min) {
      throw new S3Error(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
        {
          ProposedSize: staged.size,
          MinSizeAllowed: min,
        },
      );
    }
  }
}

/**
 * Only the conditional headers of a request whose body is not the object's (a multipart
 * completion: its digests are those of the XML part list).
 */
export function conditionsOnly(request: WriteRequest): WriteRequest {
  const headers: Metadata = {};
  for (const name of ["if-none-match", "if-match"]) {
    const value = request.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  return { headers };
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, "").replace(/"/g, "");

/**
 * Evaluates `If-None-Match: *` and `If-Match` against the object as it is when the write
 * commits (so of two concurrent create-only writes, one fails).
 */
export function checkConditions(current: RecordHeader | undefined, request: WriteRequest): void {
  const headers = request.headers ?? {};
  const noneMatch = headers["if-none-match"];
  if (noneMatch !== undefined) {
    if (noneMatch.trim() !== "*") {
      throw new S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        { Header: "If-None-Match" },
      );
    }
    if (current) {
      throw new S3Error(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        { Condition: "If-None-Match" },
      );
    }
  }
  const match = headers["if-match"];
  if (match !== undefined) {
    if (!current) throw new S3Error("NoSuchKey", "The specified key does not exist.");
    const accepted = match.split(",").map(unquote);
    if (!accepted.includes("*") && !accepted.includes(current.md5)) {
      throw new S3Error(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        { Condition: "If-Match" },
      );
    }
  }
}

/** Refuses a key S3 would not store: longer than 1,024 bytes of UTF-8, or empty. */
export function mustBeStorableKey(key: string): void {
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", "Your key is too long", {
      Size: Buffer.byteLength(key, "utf8"),
      MaxSizeAllowed: MAX_KEY_BYTES,
    });
  }
  if (!isStorableKey(key)) {
    throw new S3Error("InvalidArgument", "User key must have a length greater than 0.");
  }
}
