/**
 * The emulator's object store, in place of s3rver's own (which maps keys onto file paths, so
 * that `..` escapes the data folder, a long segment overflows a file name, and concurrent
 * overwrites splice). It answers the calls s3rver's controllers make, with S3's semantics:
 *
 * - every object is one file named by the SHA-256 of its key (`<bucket>/.objects/<hash>`):
 *   any key S3 takes (1 to 1,024 bytes of UTF-8, `..` and long segments included) stays
 *   inside its bucket's folder; nothing else of the key reaches a path;
 * - a write streams into a temporary file, then renames it into place under a per-key lock:
 *   readers see one whole version (body and metadata together), and each committed write
 *   gets the next event sequencer, so the highest sequencer names the version that stays;
 * - listings come from an in-memory index of the keys in UTF-8 byte order, rebuilt from the
 *   files at start (one process owns the folder; the local stack's state file ensures it).
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  checkBody,
  checkConditions,
  conditionsOnly,
  type WriteRequest,
  wantedDigests,
} from "./checks";
import {
  isBucketName,
  isStorableKey,
  listPage,
  MAX_KEY_BYTES,
  Sequencer,
  SortedKeys,
} from "./keys";
import { importLegacyObjects } from "./legacy";
import {
  bodyStream,
  openRecord,
  type RecordHeader,
  readRecordHeader,
  type StagedBody,
  sealRecord,
  stageBody,
} from "./records";
import {
  configModel,
  type Metadata,
  S3Bucket,
  type S3Config,
  S3Error,
  S3Object,
  type S3ObjectInstance,
} from "./s3rver-models";

/** S3's smallest part, but for the last one of an upload. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const UPLOAD_ID = /^[0-9a-f]{32}$/;

interface BucketState {
  keys: SortedKeys;
  objects: Map<string, RecordHeader>;
}

interface Upload {
  key: string;
  metadata: Metadata;
}

/** Runs work for one name at a time, in the order it was asked for. */
class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(name) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

const hashOf = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/** Object metadata as s3rver's controllers read it (ETag quoted, size, HTTP date). */
function describe(header: RecordHeader): Metadata {
  return {
    ...header.metadata,
    etag: JSON.stringify(header.md5),
    "last-modified": new Date(header.lastModified).toUTCString(),
    "content-length": String(header.size),
  };
}

function mustBeStorableKey(key: string): void {
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

/** The store s3rver's controllers call (`ctx.store`), with S3's semantics (see the file's TSDoc). */
export class S3FileStore {
  private readonly buckets = new Map<string, Promise<BucketState>>();
  private readonly sequencer = new Sequencer();
  private readonly locks = new KeyedLock();

  constructor(readonly rootDirectory: string) {}

  // Paths: only a valid bucket name, a hash, an upload id or a part number reach them.

  private bucketPath(bucket: string): string {
    if (!isBucketName(bucket)) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
        BucketName: bucket,
      });
    }
    return join(this.rootDirectory, bucket);
  }

  private objectPath(bucket: string, key: string): string {
    return join(this.bucketPath(bucket), ".objects", hashOf(key));
  }

  private tagsPath(bucket: string, key: string): string {
    return join(this.bucketPath(bucket), ".tags", `${hashOf(key)}.xml`);
  }

  private tempPath(bucket: string): string {
    return join(this.bucketPath(bucket), ".tmp", randomBytes(16).toString("hex"));
  }

  private uploadPath(bucket: string, uploadId: unknown): string | undefined {
    if (typeof uploadId !== "string" || !UPLOAD_ID.test(uploadId)) return undefined;
    return join(this.bucketPath(bucket), ".uploads", uploadId);
  }

  // Buckets

  async getBucket(bucket: string) {
    if (!isBucketName(bucket)) return null;
    try {
      const info = await stat(this.bucketPath(bucket));
      return info.isDirectory() ? new S3Bucket(bucket, info.birthtime) : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async putBucket(bucket: string) {
    const path = this.bucketPath(bucket);
    for (const folder of [".objects", ".tags", ".tmp", ".uploads", ".config"]) {
      await mkdir(join(path, folder), { recursive: true });
    }
    return this.getBucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.buckets.delete(bucket);
    await rm(this.bucketPath(bucket), { recursive: true, force: true });
  }

  async listBuckets() {
    await mkdir(this.rootDirectory, { recursive: true });
    const names = (await readdir(this.rootDirectory)).filter(isBucketName).sort();
    const buckets = await Promise.all(names.map((name) => this.getBucket(name)));
    return buckets.filter((bucket) => bucket !== null);
  }

  /** Removes every bucket (s3rver's `resetOnClose`). */
  reset(): void {
    this.buckets.clear();
    rmSync(this.rootDirectory, { recursive: true, force: true });
  }

  private state(bucket: string): Promise<BucketState> {
    let state = this.buckets.get(bucket);
    if (!state) {
      state = this.load(bucket);
      this.buckets.set(bucket, state);
      state.catch(() => this.buckets.delete(bucket));
    }
    return state;
  }

  /** Reads a bucket's index back from its files (after importing s3rver's own layout). */
  private async load(bucket: string): Promise<BucketState> {
    if (!(await this.getBucket(bucket))) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", {
        BucketName: bucket,
      });
    }
    await this.putBucket(bucket);
    const path = this.bucketPath(bucket);
    // Temporary files are uploads that never committed (the process stopped half way).
    await rm(join(path, ".tmp"), { recursive: true, force: true });
    await mkdir(join(path, ".tmp"));
    const objects = new Map<string, RecordHeader>();
    for (const name of await readdir(join(path, ".objects"))) {
      const header = await readRecordHeader(join(path, ".objects", name));
      if (!header) continue;
      objects.set(header.key, header);
      this.sequencer.observe(header.sequencer);
    }
    const state = { keys: SortedKeys.from(objects.keys()), objects };
    await importLegacyObjects(path, (key, body, metadata) =>
      this.writeLegacy(bucket, state, key, body, metadata),
    );
    return state;
  }

  private async writeLegacy(
    bucket: string,
    state: BucketState,
    key: string,
    body: Readable,
    metadata: Metadata,
  ): Promise<void> {
    if (!isStorableKey(key) || state.objects.has(key)) return;
    const staged = await stageBody(this.tempPath(bucket), body);
    await this.commit(bucket, state, key, staged, metadata, {});
  }

  // Objects

  /**
   * Keeps a staged body as `key`: checks the body and the request's conditions, then, under
   * the key's lock, seals the record with the next sequencer and renames it into place.
   */
  private async commit(
    bucket: string,
    state: BucketState,
    key: string,
    staged: StagedBody,
    metadata: Metadata,
    request: WriteRequest,
    etag: string = staged.md5,
  ): Promise<RecordHeader> {
    try {
      checkBody(staged, request);
      return await this.locks.run(`${bucket}/${key}`, async () => {
        checkConditions(state.objects.get(key), request);
        const header: RecordHeader = {
          key,
          size: staged.size,
          md5: etag,
          lastModified: Date.now(),
          sequencer: this.sequencer.next(),
          metadata,
        };
        await sealRecord(staged.path, header);
        await rename(staged.path, this.objectPath(bucket, key));
        state.objects.set(key, header);
        state.keys.add(key);
        // S3 drops an object's tags when it is overwritten.
        await rm(this.tagsPath(bucket, key), { force: true });
        return header;
      });
    } finally {
      await rm(staged.path, { force: true });
    }
  }

  /** PutObject and POST Object: the body as one whole version of the key. */
  async putObject(object: S3ObjectInstance, request: WriteRequest = {}) {
    mustBeStorableKey(object.key);
    const state = await this.state(object.bucket);
    const staged = await stageBody(
      this.tempPath(object.bucket),
      object.content,
      wantedDigests(request),
    );
    const header = await this.commit(
      object.bucket,
      state,
      object.key,
      staged,
      object.metadata,
      request,
    );
    return { size: header.size, md5: header.md5, sequencer: header.sequencer };
  }

  /** CopyObject: returns the new object's metadata and its event sequencer. */
  async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, unknown> | null,
  ) {
    mustBeStorableKey(destKey);
    const state = await this.state(destBucket);
    const source = isStorableKey(srcKey)
      ? await openRecord(this.objectPath(srcBucket, srcKey))
      : undefined;
    if (!source)
      throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: srcKey });
    const staged = await stageBody(
      this.tempPath(destBucket),
      bodyStream(source, 0, source.header.size - 1),
    );
    const metadata = replacementMetadata
      ? new S3Object(destBucket, destKey, null, replacementMetadata).metadata
      : source.header.metadata;
    const header = await this.commit(destBucket, state, destKey, staged, metadata, {});
    return { ...describe(header), sequencer: header.sequencer };
  }

  /** DeleteObject: `undefined` if there was nothing to delete, else the event's sequencer. */
  async deleteObject(bucket: string, key: string) {
    const state = await this.state(bucket);
    return this.locks.run(`${bucket}/${key}`, async () => {
      if (!state.objects.has(key)) return undefined;
      await rm(this.objectPath(bucket, key), { force: true });
      await rm(this.tagsPath(bucket, key), { force: true });
      state.objects.delete(key);
      state.keys.delete(key);
      return { sequencer: this.sequencer.next() };
    });
  }

  async existsObject(bucket: string, key: string): Promise<boolean> {
    return (await this.state(bucket)).objects.has(key);
  }

  /** GetObject and HeadObject: one whole version, read from a handle opened on it. */
  async getObject(bucket: string, key: string, options?: { start?: number; end?: number }) {
    if (!isStorableKey(key)) return null;
    const record = await openRecord(this.objectPath(bucket, key));
    if (!record) return null;
    const metadata = describe(record.header);
    const lastByte = Math.max(0, record.header.size - 1);
    const range = {
      start: options?.start || 0,
      end: Math.min(options?.end ?? Number.POSITIVE_INFINITY, lastByte),
    };
    const ranged =
      options !== undefined && (options.start !== undefined || options.end !== undefined);
    if (range.start < 0 || range.end < range.start) {
      await record.handle.close();
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    const object = new S3Object(bucket, key, bodyStream(record, range.start, range.end), metadata);
    if (ranged) object.range = range;
    return object;
  }

  async listObjects(
    bucket: string,
    options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
  ) {
    const state = await this.state(bucket);
    const page = listPage(state.keys.all, {
      prefix: options.prefix ?? "",
      delimiter: options.delimiter ?? "",
      startAfter: options.startAfter ?? "",
      maxKeys: options.maxKeys ?? Number.POSITIVE_INFINITY,
    });
    return {
      objects: page.keys.map(
        (key) => new S3Object(bucket, key, null, describe(state.objects.get(key) as RecordHeader)),
      ),
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      nextMarker: page.nextMarker,
    };
  }

  // Multipart uploads

  async initiateUpload(bucket: string, key: string, uploadId: string, headers: Metadata) {
    mustBeStorableKey(key);
    await this.state(bucket);
    const path = this.uploadPath(bucket, uploadId);
    if (!path) throw new S3Error("InternalError", "Invalid upload id");
    // Written aside and renamed, so that the upload exists whole or not at all.
    const staging = this.tempPath(bucket);
    await mkdir(staging);
    const upload: Upload = { key, metadata: new S3Object(bucket, key, null, headers).metadata };
    await writeFile(join(staging, "upload.json"), JSON.stringify(upload));
    await rename(staging, path);
  }

  async existsUpload(bucket: string, uploadId: unknown): Promise<boolean> {
    return (await this.readUpload(bucket, uploadId)) !== undefined;
  }

  private async readUpload(bucket: string, uploadId: unknown): Promise<Upload | undefined> {
    const path = this.uploadPath(bucket, uploadId);
    if (!path) return undefined;
    try {
      return JSON.parse(await readFile(join(path, "upload.json"), "utf8")) as Upload;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async abortUpload(bucket: string, uploadId: unknown): Promise<boolean> {
    const path = this.uploadPath(bucket, uploadId);
    if (!path || !(await this.existsUpload(bucket, uploadId))) return false;
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
    const path = this.uploadPath(bucket, uploadId);
    if (!path || !(await this.existsUpload(bucket, uploadId))) {
      throw new S3Error("NoSuchUpload", "The specified upload does not exist.", {
        UploadId: uploadId,
      });
    }
    await this.state(bucket);
    const staged = await stageBody(this.tempPath(bucket), content, wantedDigests(request));
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

  /**
   * CompleteMultipartUpload: the listed parts (ascending, each with its ETag, all but the last
   * at least 5 MiB) become one version of the upload's key, with S3's multipart ETag.
   */
  async putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: ReadonlyArray<{ number: number; etag: string }>,
    request: WriteRequest & { key?: string } = {},
  ) {
    const upload = await this.readUpload(bucket, uploadId);
    const path = this.uploadPath(bucket, uploadId);
    if (!upload || !path || (request.key !== undefined && request.key !== upload.key)) {
      throw new S3Error("NoSuchUpload", "The specified upload does not exist.", {
        UploadId: uploadId,
      });
    }
    const records = [];
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
    const body = Readable.from(
      (async function* () {
        let next = 0;
        try {
          for (; next < records.length; next++) {
            const record = records[next] as (typeof records)[number];
            yield* bodyStream(record, 0, record.header.size - 1);
          }
        } finally {
          // Parts not streamed (the body failed half way) still hold a handle.
          for (const record of records.slice(next + 1)) await record.handle.close();
        }
      })(),
    );
    const etag = `${createHash("md5")
      .update(Buffer.concat(records.map((record) => Buffer.from(record.header.md5, "hex"))))
      .digest("hex")}-${records.length}`;
    const state = await this.state(bucket);
    const staged = await stageBody(this.tempPath(bucket), body);
    const header = await this.commit(
      bucket,
      state,
      upload.key,
      staged,
      upload.metadata,
      conditionsOnly(request),
      etag,
    );
    await rm(path, { recursive: true, force: true });
    return { size: header.size, md5: header.md5, sequencer: header.sequencer, key: upload.key };
  }

  // Subresources: bucket configurations (CORS, website) and object tags

  private subresourcePath(bucket: string, key: string | undefined, type: string): string {
    return key === undefined || key === ""
      ? join(this.bucketPath(bucket), ".config", `${type}.xml`)
      : this.tagsPath(bucket, key);
  }

  async getSubresource(
    bucket: string,
    key: string | undefined,
    type: string,
  ): Promise<S3Config | null> {
    if (!isBucketName(bucket) || (key !== undefined && key !== "" && !isStorableKey(key))) {
      return null;
    }
    try {
      const Model = configModel(type);
      return new Model(await readFile(this.subresourcePath(bucket, key, type), "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async putSubresource(bucket: string, key: string | undefined, resource: S3Config) {
    await this.state(bucket);
    const staging = this.tempPath(bucket);
    await writeFile(staging, resource.toXML(2));
    await rename(staging, this.subresourcePath(bucket, key, resource.type));
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string) {
    await rm(this.subresourcePath(bucket, key, type), { force: true });
  }
}
