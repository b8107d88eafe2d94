import type { UploadSource } from "./body";
import {
  type DownloadOptions,
  downloadFile,
  type FileDownload,
  headFile,
  presignedCall,
  readAll,
  waitForAbsence,
} from "./files";
import { writeStreamToFile } from "./node";
import { Paged } from "./paging";
import { Transport } from "./transport";
import type { AuditQuery, AuditRecord, FileInfo, Page, UploadStatus, Usage } from "./types";
import { type UploadContext, type UploadOptions, type UploadResult, upload } from "./upload";
import { type WaitOptions, waitOptions } from "./wait";
import { Webhooks } from "./webhooks";

/** How to reach a Filegate API. */
export interface FilegateOptions {
  /** The API's base URL, such as `http://127.0.0.1:8787` (`apiUrl` in `.filegate/local.json`). */
  baseUrl: string;
  /** A bearer token (JWT). Give this or `getToken`. */
  token?: string;
  /**
   * Called before each API request for the current token (it may refresh one). After a 401
   * the request is tried once more with whatever it returns next.
   */
  getToken?: () => string | Promise<string>;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** Further tries of an API request that was throttled (429/503) or got no answer (default 2). */
  retries?: number;
  /** A `User-Agent` for API requests, recorded in the audit trail (Node only; browsers set their own). */
  userAgent?: string;
}

/** Options of {@link Filegate.list}. */
export interface ListOptions {
  /** Only keys starting with this (`photos/2024/`, or a partial segment such as `photos/20`). */
  prefix?: string;
  /** Files per request (1–1000; the API's default is 100). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Options of {@link Filegate.delete}. */
export interface DeleteOptions {
  /** Wait until the index no longer lists the file: `true` for the defaults, or {@link WaitOptions}. */
  wait?: boolean | WaitOptions;
  signal?: AbortSignal;
}

/**
 * A client of the Filegate API. Bytes never pass through the API: for every transfer the
 * client asks the API for a presigned request (the JSON form, `Accept: application/json`)
 * and sends it to storage itself, without the bearer token.
 *
 * @example
 * const filegate = new Filegate({ baseUrl: "http://127.0.0.1:8787", token });
 * await filegate.upload("docs/hello.txt", new Blob(["hello"]), { contentType: "text/plain" });
 * for await (const file of filegate.list({ prefix: "docs/" })) console.log(file.key, file.size);
 */
export class Filegate {
  private readonly transport: Transport;
  private readonly uploads: UploadContext;
  /** The tenant's webhook endpoints: register, change, rotate, see deliveries, replay. */
  readonly webhooks: Webhooks;

  constructor(options: FilegateOptions) {
    this.transport = new Transport(options);
    this.uploads = { transport: this.transport, intents: undefined };
    this.webhooks = new Webhooks(this.transport);
  }

  /**
   * The tenant's files, in key order, from the index (`GET /files`), as an async iterable
   * over every page. A file shows up here shortly after its upload (S3 events feed the index).
   */
  list(options: ListOptions = {}): Paged<FileInfo> {
    return new Paged((cursor) =>
      this.transport.json<Page<FileInfo>>({
        method: "GET",
        path: "/files",
        query: {
          prefix: options.prefix || undefined,
          limit: options.pageSize,
          cursor: cursor ?? undefined,
        },
        signal: options.signal,
      }),
    );
  }

  /** A file's size, ETag, type and modification time, from the index (`HEAD /files/{key}`). */
  head(key: string, options: { signal?: AbortSignal } = {}): Promise<FileInfo> {
    return headFile(this.transport, key, options.signal);
  }

  /** Downloads a file as a stream, with its metadata (read the body to the end, or cancel it). */
  download(key: string, options: DownloadOptions = {}): Promise<FileDownload> {
    return downloadFile(this.transport, key, options);
  }

  /** Downloads a whole file into memory. */
  async downloadBytes(key: string, options: DownloadOptions = {}): Promise<Uint8Array> {
    return readAll(await this.download(key, options));
  }

  /**
   * Downloads a file to `path` (Node only), through a temporary file renamed into place, so a
   * failed download leaves nothing half-written. Returns the file's metadata.
   */
  async downloadToFile(
    key: string,
    path: string,
    options: DownloadOptions = {},
  ): Promise<FileInfo> {
    const { body, ...metadata } = await this.download(key, options);
    await writeStreamToFile(body, path, options.signal);
    return metadata;
  }

  /**
   * Uploads bytes, a Blob, a stream or a file (`{ path }`, Node only) as `key`. Uses the API's
   * upload intents (single PUT or multipart, retrying failed parts) where it has them, else
   * the JSON form of `PUT /files/{key}`. With `wait` it resolves once the index lists the file.
   */
  upload(key: string, source: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    return upload(this.uploads, key, source, options);
  }

  /**
   * Where an upload intent stands (`GET /uploads/{id}`); while a multipart upload is pending,
   * with the parts storage holds.
   */
  uploadStatus(id: string, options: { signal?: AbortSignal } = {}): Promise<UploadStatus> {
    return this.transport.json<UploadStatus>({
      method: "GET",
      path: `/uploads/${encodeURIComponent(id)}`,
      signal: options.signal,
    });
  }

  /** Abandons an upload intent (`DELETE /uploads/{id}`): its parts are deleted, its room freed. */
  async abortUpload(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.transport.api({
      method: "DELETE",
      path: `/uploads/${encodeURIComponent(id)}`,
      signal: options.signal,
    });
  }

  /** Deletes a file (`DELETE /files/{key}`, then the presigned DELETE). */
  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    await presignedCall(this.transport, "DELETE", key, `the deletion of ${key}`, options.signal);
    const wait = waitOptions(options.wait);
    if (wait) await waitForAbsence(this.transport, key, wait, options.signal);
  }

  /** A file's history, oldest first: every grant the API issued for it and every S3 event. */
  history(key: string, options: Omit<AuditQuery, "key"> = {}): Paged<AuditRecord> {
    return this.audit({ ...options, key });
  }

  /** Audit records of the tenant (or, with the `audit:read:all` scope, any tenant), oldest first. */
  audit(query: AuditQuery = {}): Paged<AuditRecord> {
    const time = (value: Date | string | undefined) =>
      value instanceof Date ? value.toISOString() : value;
    return new Paged((cursor) =>
      this.transport.json<Page<AuditRecord>>({
        method: "GET",
        path: "/audit",
        query: {
          key: query.key,
          from: time(query.from),
          to: time(query.to),
          actor: query.actor,
          action: query.action,
          tenant: query.tenant,
          limit: query.pageSize,
          cursor: cursor ?? undefined,
        },
      }),
    );
  }

  /**
   * The tenant's usage and limits (`GET /usage`). An API without quotas answers 404: this
   * throws {@link NotFoundError} then.
   */
  usage(options: { signal?: AbortSignal } = {}): Promise<Usage> {
    return this.transport.json<Usage>({ method: "GET", path: "/usage", signal: options.signal });
  }
}
