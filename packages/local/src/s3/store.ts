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
import { rmSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  checkBody,
  checkConditions,
  mustBeStorableKey,
  type WriteRequest,
  wantedDigests,
} from "./checks";
import { isBucketName, isStorableKey, listPage, Sequencer, SortedKeys } from "./keys";
import { importLegacyObjects } from "./legacy";
import { KeyedLock } from "./lock";
import { MultipartUploads } from "./multipart";
import { StorePaths } from "./paths";
import {
  bodyStream,
  describeRecord,
  openRecord,
  type RecordHeader,
  readRecordHeader,
  type StagedBody,
  sealRecord,
  stageBody,
} from "./records";
import { type Metadata, S3Bucket, S3Error, S3Object, type S3ObjectInstance } from "./s3rver-models";
import { Subresources } from "./subresources";

interface BucketState {
  keys: SortedKeys;
  objects: Map<string, RecordHeader>;
}

/** The store s3rver's controllers call (`ctx.store`), with S3's semantics (see the file's TSDoc). */
export class S3FileStore {
  private readonly buckets = new Map<string, Promise<BucketState>>();
  private readonly sequencer = new Sequencer();
  private readonly locks = new KeyedLock();
  private readonly paths: StorePaths;
  private readonly uploads: MultipartUploads;
  private readonly subresources: Subresources;

  constructor(readonly rootDirectory: string) {
    this.paths = new StorePaths(rootDirectory);
    this.uploads = new MultipartUploads({
      paths: this.paths,
      ready: (bucket) => this.state(bucket),
      commit: async (bucket, key, staged, metadata, request, etag) =>
        this.commit(bucket, await this.state(bucket), key, staged, metadata, request, etag),
    });
    this.subresources = new Subresources(this.paths, (bucket) => this.state(bucket));
  }

  // Buckets

  async getBucket(bucket: string) {
    if (!isBucketName(bucket)) return null;
    try {
      const info = await stat(this.paths.bucket(bucket));
      return info.isDirectory() ? new S3Bucket(bucket, info.birthtime) : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async putBucket(bucket: string) {
    const path = this.paths.bucket(bucket);
    for (const folder of [".objects", ".tags", ".tmp", ".uploads", ".config"]) {
      await mkdir(join(path, folder), { recursive: true });
    }
    return this.getBucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.buckets.delete(bucket);
    await rm(this.paths.bucket(bucket), { recursive: true, force: true });
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
    const path = this.paths.bucket(bucket);
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
    const staged = await stageBody(this.paths.temp(bucket), body);
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
        await rename(staged.path, this.paths.object(bucket, key));
        state.objects.set(key, header);
        state.keys.add(key);
        // S3 drops an object's tags when it is overwritten.
        await rm(this.paths.tags(bucket, key), { force: true });
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
      this.paths.temp(object.bucket),
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
      ? await openRecord(this.paths.object(srcBucket, srcKey))
      : undefined;
    if (!source)
      throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: srcKey });
    const staged = await stageBody(
      this.paths.temp(destBucket),
      bodyStream(source, 0, source.header.size - 1),
    );
    const metadata = replacementMetadata
      ? new S3Object(destBucket, destKey, null, replacementMetadata).metadata
      : source.header.metadata;
    const header = await this.commit(destBucket, state, destKey, staged, metadata, {});
    return { ...describeRecord(header), sequencer: header.sequencer };
  }

  /** DeleteObject: `undefined` if there was nothing to delete, else the event's sequencer. */
  async deleteObject(bucket: string, key: string) {
    const state = await this.state(bucket);
    return this.locks.run(`${bucket}/${key}`, async () => {
      if (!state.objects.has(key)) return undefined;
      await rm(this.paths.object(bucket, key), { force: true });
      await rm(this.paths.tags(bucket, key), { force: true });
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
    const record = await openRecord(this.paths.object(bucket, key));
    if (!record) return null;
    const metadata = describeRecord(record.header);
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
        (key) =>
          new S3Object(bucket, key, null, describeRecord(state.objects.get(key) as RecordHeader)),
      ),
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      nextMarker: page.nextMarker,
    };
  }

  // Multipart uploads (multipart.ts), under the names s3rver's controllers call

  initiateUpload(...args: Parameters<MultipartUploads["initiate"]>) {
    return this.uploads.initiate(...args);
  }

  existsUpload(...args: Parameters<MultipartUploads["exists"]>) {
    return this.uploads.exists(...args);
  }

  abortUpload(...args: Parameters<MultipartUploads["abort"]>) {
    return this.uploads.abort(...args);
  }

  putPart(...args: Parameters<MultipartUploads["putPart"]>) {
    return this.uploads.putPart(...args);
  }

  listParts(...args: Parameters<MultipartUploads["listParts"]>) {
    return this.uploads.listParts(...args);
  }

  putObjectMultipart(...args: Parameters<MultipartUploads["complete"]>) {
    return this.uploads.complete(...args);
  }

  // Subresources (subresources.ts): bucket configurations and object tags

  getSubresource(...args: Parameters<Subresources["get"]>) {
    return this.subresources.get(...args);
  }

  putSubresource(...args: Parameters<Subresources["put"]>) {
    return this.subresources.put(...args);
  }

  deleteSubresource(...args: Parameters<Subresources["delete"]>) {
    return this.subresources.delete(...args);
  }
}
