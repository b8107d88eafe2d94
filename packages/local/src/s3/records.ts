/**
 * How the emulator keeps one object (or one part of a multipart upload) on disk: a single file
 * holding the body, then a JSON header, then 8 bytes (the header's length, uint32 big-endian,
 * and `FGS3`). It is written under a temporary name and renamed into place, so a reader that
 * opens it sees one whole version, body and metadata together, never a mix of two uploads.
 */
import { createHash, type Hash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { appendFile, type FileHandle, open, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import type { Metadata } from "./s3rver-models";

export interface RecordHeader {
  key: string;
  size: number;
  /** ETag without quotes: the MD5 of the body in hex. */
  md5: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  sequencer: string;
  metadata: Metadata;
}

/** Digests a staged body can be checked against (S3's `x-amz-checksum-*`, `Content-MD5`...). */
export type Digest = "md5" | "sha1" | "sha256" | "crc32";

export interface StagedBody {
  path: string;
  size: number;
  /** The body's MD5 in hex (its ETag). */
  md5: string;
  digests: Partial<Record<Digest, Buffer>>;
}

const MAGIC = Buffer.from("FGS3");
const TRAILER_BYTES = 8;

class Crc32 {
  private value = 0;
  update(chunk: Buffer): void {
    this.value = crc32(chunk, this.value);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

/**
 * Streams a body into a new file at `path` (which must not exist), computing its size, its
 * MD5 and the `wanted` digests on the way. The file is removed if the body fails half way.
 */
export async function stageBody(
  path: string,
  content: Readable | Buffer | null,
  wanted: readonly Digest[] = [],
): Promise<StagedBody> {
  const hashes = new Map<Digest, Hash | Crc32>();
  for (const digest of new Set<Digest>(["md5", ...wanted])) {
    hashes.set(digest, digest === "crc32" ? new Crc32() : createHash(digest));
  }
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      for (const hash of hashes.values()) hash.update(chunk);
      done(null, chunk);
    },
  });
  const source =
    content === null
      ? Readable.from([])
      : Buffer.isBuffer(content)
        ? Readable.from([content])
        : content;
  try {
    await pipeline(source, measure, createWriteStream(path, { flags: "wx" }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  const digests: Partial<Record<Digest, Buffer>> = {};
  for (const [digest, hash] of hashes) digests[digest] = hash.digest();
  return { path, size, md5: (digests.md5 as Buffer).toString("hex"), digests };
}

/** Appends the header that makes a staged body a record (the last write before its rename). */
export async function sealRecord(path: string, header: RecordHeader): Promise<void> {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32BE(json.length, 0);
  MAGIC.copy(trailer, 4);
  await appendFile(path, Buffer.concat([json, trailer]));
}

/** An open record: the header and a handle to read the body from (close it when done). */
export interface OpenRecord {
  handle: FileHandle;
  header: RecordHeader;
}

/** Opens a record, or answers `undefined` if there is none at `path`. */
export async function openRecord(path: string): Promise<OpenRecord | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return { handle, header: await readHeader(handle, path) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads only the header of the record at `path` (`undefined` if there is none). */
export async function readRecordHeader(path: string): Promise<RecordHeader | undefined> {
  const record = await openRecord(path);
  if (!record) return undefined;
  await record.handle.close();
  return record.header;
}

async function readHeader(handle: FileHandle, path: string): Promise<RecordHeader> {
  const { size } = await handle.stat();
  const trailer = Buffer.alloc(TRAILER_BYTES);
  if (size < TRAILER_BYTES) throw new Error(`${path} is not an object record`);
  await handle.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
  const length = trailer.readUInt32BE(0);
  if (!trailer.subarray(4).equals(MAGIC) || length > size - TRAILER_BYTES) {
    throw new Error(`${path} is not an object record`);
  }
  const json = Buffer.alloc(length);
  await handle.read(json, 0, length, size - TRAILER_BYTES - length);
  return JSON.parse(json.toString("utf8")) as RecordHeader;
}

/**
 * The body of an open record, bytes `start` to `end` inclusive; closes the handle when the
 * stream ends or is destroyed.
 */
export function bodyStream(record: OpenRecord, start: number, end: number): Readable {
  if (record.header.size === 0 || end < start) {
    void record.handle.close();
    return Readable.from([]);
  }
  return record.handle.createReadStream({ start, end, autoClose: true });
}

/** Object metadata as s3rver's controllers read it (ETag quoted, size, HTTP date). */
export function describeRecord(header: RecordHeader): Metadata {
  return {
    ...header.metadata,
    etag: JSON.stringify(header.md5),
    "last-modified": new Date(header.lastModified).toUTCString(),
    "content-length": String(header.size),
  };
}
