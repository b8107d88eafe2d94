/**
 * Multipart uploads in the emulator's store: each upload is a folder holding its key and
 * metadata and one record per part; completing it streams the listed parts, in order, into
 * one version of the key, committed as any other write.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  checkBody,
  conditionsOnly,
  mustBeStorableKey,
  type WriteRequest,
  wantedDigests,
} from "./checks";
import type { StorePaths } from "./paths";
import {
  bodyStream,
  type OpenRecord,
  openRecord,
  type RecordHeader,
  readRecordHeader,
  type StagedBody,
  sealRecord,
  stageBody,
} from "./records";
import { type Metadata, S3Error, S3Object } from "./s3rver-models";

/** S3's smallest part, but for the last one of an upload. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

interface Upload {
  key: string;
  metadata: Metadata;
}

/** What uploads need of the store: its paths, a bucket made ready, and a commit. */
export interface UploadHost {
  paths: StorePaths;
  /** Loads the bucket's index; fails with NoSuchBucket when there is no such bucket. */
  ready(bucket: string): Promise<unknown>;
  /** Keeps a staged body as one version of `key`, as every write does. */
  commit(
    bucket: string,
    key: string,
    staged: StagedBody,
    metadata: Metadata,
    request: WriteRequest,
    etag: string,
  ): Promise<RecordHeader>;
}

/** A page of ListParts: parts after the marker, ascending, at most `maxParts`. */
export interface PartsPage {
  parts: Array<{ number: number; etag: string; size: number; lastModified: Date }>;
  isTruncated: boolean;
  nextMarker: number;
}

/** CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload and AbortMultipartUpload. */
export class MultipartUploads {
  constructor(private readonly host: UploadHost) {}

  async initiate(bucket: string, key: string, uploadId: string, headers: Metadata) {
    mustBeStorableKey(key);
    await this.host.ready(bucket);
    const path = this.host.paths.upload(bucket, uploadId);
    if (!path) throw new S3Error("InternalError", "Invalid upload id");
    // Written aside and renamed, so that the upload exists whole or not at all.
    const staging = this.host.paths.temp(bucket);
    await mkdir(staging);
    const upload: Upload = { key, metadata: new S3Object(bucket, key, null, headers).metadata };
    await writeFile(join(staging, "upload.json"), JSON.stringify(upload));
    await rename(staging, path);
  }

  async exists(bucket: string, uploadId: unknown): Promise<boolean> {
    return (await this.read(bucket, uploadId)) !== undefined;
  }

  private async read(bucket: string, uploadId: unknown): Promise<Upload | undefined> {
    const path = this.host.paths.upload(bucket, uploadId);
    if (!path) return undefined;
    try {
      return JSON.parse(await readFile(join(path, "upload.json"), "utf8")) as Upload;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async abort(bucket: string, uploadId: unknown): Promise<boolean> {
    const path = this.host.paths.upload(bucket, uploadId);
    if (!path || !(await this.exists(bucket, uploadId))) return false;
    await rm(path, { recursive: true, force: true });
    return true;
  }

  /** UploadPart: the part is a record of its own, replaced whole by a new upload of it. */
  async putPart(
    bucket: string,
    uploadId: string,
    partNumber: unknown,
    content: Readable | Buffer | null,
    request: WriteRequest = {},
  ) {
    const number = mustBePartNumber(partNumber);
    const path = this.host.paths.upload(bucket, uploadId);
    if (!path || !(await this.exists(bucket, uploadId))) throw noSuchUpload(uploadId);
    await this.host.ready(bucket);
    const staged = await stageBody(this.host.paths.temp(bucket), content, wantedDigests(request));
    try {
      checkBody(staged, request);
      await sealRecord(staged.path, {
        key: `${number}`,
        size: staged.size,
        md5: staged.md5,
        lastModified: Date.now(),
        sequencer: "0",
        metadata: {},
      });
      await rename(staged.path, join(path, `part-${number}`));
    } finally {
      await rm(staged.path, { force: true });
    }
    return { size: staged.size, md5: staged.md5 };
  }

  /** ListParts: the upload's parts after `marker`, ascending, `maxParts` at most (S3: 1,000). */
  async listParts(
    bucket: string,
    uploadId: string,
    request: { key: string; marker?: number; maxParts?: number },
  ): Promise<PartsPage> {
    const upload = await this.read(bucket, uploadId);
    const path = this.host.paths.upload(bucket, uploadId);
    if (!upload || !path || request.key !== upload.key) throw noSuchUpload(uploadId);
    const marker = request.marker ?? 0;
    const maxParts = request.maxParts ?? 1000;
    const numbers = (await readdir(path))
      .map((name) => /^part-(\d+)$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    const parts: PartsPage["parts"] = [];
    for (const number of page) {
      const header = await readRecordHeader(join(path, `part-${number}`));
      if (!header) continue; // replaced or aborted meanwhile
      parts.push({
        number,
        etag: header.md5,
        size: header.size,
        lastModified: new Date(header.lastModified),
      });
    }
    return {
      parts,
      isTruncated: numbers.length > maxParts,
      nextMarker: page.at(-1) ?? marker,
    };
  }

  /**
   * CompleteMultipartUpload: the listed parts (ascending, each with its ETag, all but the last
   * at least 5 MiB) become one version of the upload's key, with S3's multipart ETag.
   */
  async complete(
    bucket: string,
    uploadId: string,
    parts: ReadonlyArray<{ number: number; etag: string }>,
    request: WriteRequest & { key?: string } = {},
  ) {
    const upload = await this.read(bucket, uploadId);
    const path = this.host.paths.upload(bucket, uploadId);
    if (!upload || !path || (request.key !== undefined && request.key !== upload.key)) {
      throw noSuchUpload(uploadId);
    }
    const records = await openParts(path, uploadId, parts);
    const etag = `${createHash("md5")
      .update(Buffer.concat(records.map((record) => Buffer.from(record.header.md5, "hex"))))
      .digest("hex")}-${records.length}`;
    await this.host.ready(bucket);
    const staged = await stageBody(this.host.paths.temp(bucket), concatenated(records));
    const header = await this.host.commit(
      bucket,
      upload.key,
      staged,
      upload.metadata,
      conditionsOnly(request),
      etag,
    );
    await rm(path, { recursive: true, force: true });
    return { size: header.size, md5: header.md5, sequencer: header.sequencer, key: upload.key };
  }
}

const noSuchUpload = (uploadId: unknown) =>
  new S3Error("NoSuchUpload", "The specified upload does not exist.", { UploadId: uploadId });

function mustBePartNumber(partNumber: unknown): number {
  const number = Number(partNumber);
  if (
    !Number.isInteger(number) ||
    number < 1 ||
    number > 10_000 ||
    `${number}` !== `${partNumber}`
  ) {
    throw new S3Error(
      "InvalidArgument",
      "Part number must be an integer between 1 and 10000, inclusive",
      {
        ArgumentName: "partNumber",
        ArgumentValue: String(partNumber),
      },
    );
  }
  return number;
}

/**
 * The listed parts, opened: each must be uploaded with the ETag given, in ascending order,
 * and all but the last at least 5 MiB. On a refusal no handle stays open.
 */
async function openParts(
  path: string,
  uploadId: string,
  parts: ReadonlyArray<{ number: number; etag: string }>,
): Promise<OpenRecord[]> {
  const records: OpenRecord[] = [];
  try {
    for (const [index, part] of parts.entries()) {
      if (index > 0 && part.number <= (parts[index - 1] as { number: number }).number) {
        throw new S3Error(
          "InvalidPartOrder",
          "The list of parts was not in ascending order. The parts list must be specified in order of the part number.",
        );
      }
      const record = Number.isInteger(part.number)
        ? await openRecord(join(path, `part-${part.number}`))
        : undefined;
      if (record) records.push(record);
      if (!record || record.header.md5 !== part.etag) {
        throw new S3Error(
          "InvalidPart",
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          { UploadId: uploadId, PartNumber: part.number, ETag: part.etag },
        );
      }
      if (index < parts.length - 1 && record.header.size < MIN_PART_BYTES) {
        throw new S3Error(
          "EntityTooSmall",
          "Your proposed upload is smaller than the minimum allowed object size.",
          {
            PartNumber: part.number,
            ProposedSize: record.header.size,
            MinSizeAllowed: MIN_PART_BYTES,
          },
        );
      }
    }
  } catch (error) {
    await Promise.all(records.map((record) => record.handle.close()));
    throw error;
  }
  return records;
}

/** The parts' bodies, one after the other; every handle is closed whatever happens. */
function concatenated(records: readonly OpenRecord[]): Readable {
  return Readable.from(
    (async function* () {
      let next = 0;
      try {
        for (; next < records.length; next++) {
          const record = records[next] as OpenRecord;
          yield* bodyStream(record, 0, record.header.size - 1);
        }
      } finally {
        // Parts not streamed (the body failed half way) still hold a handle.
        for (const record of records.slice(next + 1)) await record.handle.close();
      }
    })(),
  );
}
