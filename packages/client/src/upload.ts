import { type Content, prepareContent, type UploadSource } from "./body";
import { FilegateError, NotFoundError, PayloadTooLargeError, TimeoutError } from "./errors";
import { unquote, waitForFile } from "./files";
import { keyPath } from "./keys";
import { uploadMultipart } from "./multipart";
import { type ProgressListener, ProgressTracker } from "./progress";
import { putPresigned } from "./put";
import { describeIntent, resumeIntent } from "./resume";
import type { Transport } from "./transport";
import type {
  PresignedRequest,
  StoredPart,
  UploadIntent,
  UploadIntentInfo,
  UploadStatus,
} from "./types";
import { poll, type WaitOptions, waitOptions } from "./wait";

/** Options of {@link Filegate.upload}. */
export interface UploadOptions {
  /** The media type stored with the file; default: the Blob's type, else `application/octet-stream`. */
  contentType?: string;
  /** Create only: refuse (412, {@link PreconditionFailedError}) when the key exists. */
  createOnly?: boolean;
  /**
   * Size in bytes, for a stream source: with it the stream is sent as it is read; without
   * it the stream is read into memory first (storage needs the length up front).
   */
  size?: number;
  /** SHA-256 of the content, passed to the API with the upload intent. */
  sha256?: string;
  /** Called as bytes go out; the last call has `loaded === total`. */
  onProgress?: ProgressListener;
  /**
   * `true` uploads in parts whatever the size, `false` in one PUT (up to 5 GiB); by default
   * the API decides (parts from its threshold on).
   */
  multipart?: boolean;
  /**
   * The part size of a multipart upload, in bytes (it implies `multipart`): 5 MiB to 5 GiB,
   * at most the tenant's largest file, and large enough for 10,000 parts; the API refuses
   * others (400 `invalid_part_size`). By default the API chooses.
   */
  partSize?: number;
  /**
   * The id of a pending multipart upload of this key and content to carry on with (as
   * `onIntent` reported it, e.g. before a page reload): the parts storage already holds are
   * not sent again. The content must be the same bytes.
   */
  resume?: string;
  /**
   * Called once the API has agreed to the upload (or the resumed intent is found): keep the
   * id to resume later. With `onIntent` or `resume`, a multipart upload that fails or is
   * aborted leaves its intent pending for a resume ({@link Filegate.abortUpload} ends it;
   * unused intents expire), instead of aborting it.
   */
  onIntent?: (intent: UploadIntentInfo) => void;
  /** Parts of a multipart upload sent at once (default 4). */
  partConcurrency?: number;
  /** Further tries of a part (or of a single PUT of re-readable content) that failed (default 3). */
  retries?: number;
  /**
   * Wait until the index shows the upload (listing and downloads see it then):
   * `true` for the defaults, or {@link WaitOptions}.
   */
  wait?: boolean | WaitOptions;
  signal?: AbortSignal;
}

/** What an upload did. */
export interface UploadResult {
  key: string;
  size: number;
  contentType: string;
  /** The stored object's ETag (no quotes), when storage reported it. */
  etag: string | undefined;
  /**
   * How it went: `single` or `multipart` through an upload intent (`POST /uploads`), or
   * `put` through `PUT /files/{key}` on an API without upload intents.
   */
  method: "single" | "multipart" | "put";
  /** The upload intent's id (not for `put`). */
  uploadId: string | undefined;
  /** True when the upload waited for, and found, the file in the index. */
  indexed: boolean;
}

/** Single PUTs to S3 stop at 5 GiB. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;

/** What the client remembers between uploads. */
export interface UploadContext {
  transport: Transport;
  /** Whether the API has upload intents: unknown until the first upload asks. */
  intents: boolean | undefined;
}

/**
 * Uploads `source` as `key`: through an upload intent when the API has them (single PUT or
 * multipart, as the API decides), otherwise through the JSON form of `PUT /files/{key}`.
 */
export async function upload(
  context: UploadContext,
  key: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const path = `/files/${keyPath(key)}`;
  const content = await prepareContent(source, options.size);
  const contentType = options.contentType || content.type || "application/octet-stream";
  const progress = new ProgressTracker(key, content.size, options.onProgress);
  const common = { progress, retries: options.retries ?? 3, signal: options.signal };
  const what = `the upload of ${key}`;

  const { intent, stored } = await agree(context, key, content, contentType, options);
  let result: UploadResult;
  if (intent?.method === "multipart") {
    const completed = await uploadMultipart({
      transport: context.transport,
      intent,
      content,
      concurrency: options.partConcurrency ?? 4,
      ...(stored ? { stored } : {}),
      keepIntent: options.resume !== undefined || options.onIntent !== undefined,
      ...common,
    });
    result = outcome(key, content, contentType, "multipart", completed.etag, intent.id);
  } else if (intent?.method === "single") {
    mustFit(intent.size, content.size);
    const response = await send(context.transport, content, intent.upload, common, what);
    progress.finish();
    result = outcome(key, content, contentType, "single", response.headers.get("etag"), intent.id);
  } else {
    if (content.size > MAX_SINGLE_PUT) {
      throw new PayloadTooLargeError({
        status: 0,
        code: "too_large",
        message: `${key} is over 5 GiB, which needs upload intents (POST /uploads); this API has none`,
        source: "client",
      });
    }
    const grant = () => directGrant(context.transport, path, contentType, options);
    const response = await send(context.transport, content, await grant(), common, what, grant);
    progress.finish();
    result = outcome(key, content, contentType, "put", response.headers.get("etag"), undefined);
  }

  await waitUntilIndexed(context, result, options);
  return result;
}

/**
 * With the `wait` option, polls until the index shows the upload and sets `result.indexed`;
 * a timeout says the upload itself went through.
 */
async function waitUntilIndexed(
  context: UploadContext,
  result: UploadResult,
  options: UploadOptions,
): Promise<void> {
  const wait = waitOptions(options.wait);
  if (!wait) return;
  const { key } = result;
  try {
    await (result.uploadId
      ? waitForIntent(context.transport, result.uploadId, wait, options.signal)
      : waitForFile(context.transport, key, result.etag, wait, options.signal));
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    throw new TimeoutError({
      status: 0,
      code: "timeout",
      message: `${key} was uploaded, but the index did not show it in time (${error.message})`,
      source: "client",
      cause: error,
    });
  }
  result.indexed = true;
}

/** The intent to upload with: a new one, or the resumed one with the parts storage holds. */
async function agree(
  context: UploadContext,
  key: string,
  content: Content,
  contentType: string,
  options: UploadOptions,
): Promise<{ intent: UploadIntent | undefined; stored?: StoredPart[] }> {
  const found = options.resume
    ? await resumeIntent(context.transport, options.resume, key, content.size, options.signal)
    : { intent: await createIntent(context, key, content, contentType, options) };
  if (found.intent) options.onIntent?.(describeIntent(found.intent));
  return found;
}

/** `POST /uploads`, or `undefined` when the API has no upload intents (404 or 405). */
async function createIntent(
  context: UploadContext,
  key: string,
  content: Content,
  contentType: string,
  options: UploadOptions,
): Promise<UploadIntent | undefined> {
  if (context.intents === false) return undefined;
  try {
    const intent = await context.transport.json<UploadIntent>({
      method: "POST",
      path: "/uploads",
      json: {
        key,
        size: content.size,
        contentType,
        ...(options.sha256 ? { sha256: options.sha256 } : {}),
        ...(options.createOnly ? { ifNoneMatch: "*" } : {}),
        ...(options.multipart !== undefined ? { multipart: options.multipart } : {}),
        ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
      },
      signal: options.signal,
    });
    context.intents = true;
    return intent;
  } catch (error) {
    if (context.intents !== true && (error instanceof NotFoundError || isMethodNotAllowed(error))) {
      context.intents = false;
      return undefined;
    }
    throw error;
  }
}

function isMethodNotAllowed(error: unknown): boolean {
  return error instanceof FilegateError && error.status === 405;
}

/** The JSON form of `PUT /files/{key}`: a presigned PUT with the type (and condition) signed in. */
function directGrant(
  transport: Transport,
  path: string,
  contentType: string,
  options: UploadOptions,
): Promise<PresignedRequest> {
  return transport.json<PresignedRequest>({
    method: "PUT",
    path,
    headers: {
      "Content-Type": contentType,
      ...(options.createOnly ? { "If-None-Match": "*" } : {}),
    },
    signal: options.signal,
  });
}

/** Sends the whole content in one presigned PUT. */
function send(
  transport: Transport,
  content: Content,
  grant: PresignedRequest,
  common: { progress: ProgressTracker; retries: number; signal: AbortSignal | undefined },
  what: string,
  resign?: () => Promise<PresignedRequest>,
): Promise<Response> {
  return putPresigned(transport, {
    grant,
    resign,
    data: content.kind === "blob" ? content.blob : content.reader,
    size: content.size,
    piece: 0,
    what,
    ...common,
  });
}

function mustFit(intentSize: number, size: number): void {
  if (intentSize !== size) {
    throw new FilegateError({
      status: 0,
      code: "bad_intent",
      message: `The upload intent is for ${intentSize} bytes, the content has ${size}`,
      source: "client",
    });
  }
}

function outcome(
  key: string,
  content: Content,
  contentType: string,
  method: UploadResult["method"],
  etag: string | null | undefined,
  uploadId: string | undefined,
): UploadResult {
  return {
    key,
    size: content.size,
    contentType,
    etag: etag ? unquote(etag) : undefined,
    method,
    uploadId,
    indexed: false,
  };
}

/** Polls `GET /uploads/{id}` until the upload is committed; throws if it ends otherwise. */
async function waitForIntent(
  transport: Transport,
  id: string,
  wait: WaitOptions,
  signal?: AbortSignal,
): Promise<void> {
  await poll(
    `upload ${id} to be committed`,
    async () => {
      const status = await transport.json<UploadStatus>({
        method: "GET",
        path: `/uploads/${encodeURIComponent(id)}`,
        signal,
      });
      if (status.status === "committed") return true;
      if (status.status === "pending") return undefined;
      throw new FilegateError({
        status: 0,
        code: `upload_${status.status}`,
        message: `Upload ${id} of ${status.key} ended ${status.status}`,
        source: "api",
      });
    },
    wait,
    signal,
  );
}
