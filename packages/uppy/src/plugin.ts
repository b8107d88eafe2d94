import { Filegate as FilegateClient } from "@filegate/client";
import { BasePlugin, type DefinePluginOpts, type PluginOpts, type Uppy } from "@uppy/core";
import type { Body, Meta, UppyFile } from "@uppy/core/utils";
import { IntentApi } from "./api";
import { FileUpload } from "./file-upload";
import { restrictionsFrom } from "./limits";
import { defaultStorage, type KeyValueStorage, ResumeStore } from "./resume-store";

/** Options of the Filegate uploader: `uppy.use(Filegate, { baseUrl, getToken })`. */
export interface FilegateOptions<M extends Meta = Meta, B extends Body = Body> extends PluginOpts {
  /** The API's base URL, such as `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** The current bearer token (called before each API request; it may refresh one). */
  getToken: () => string | Promise<string>;
  /** The file key an Uppy file is stored as (default: `prefix` + the file's name). */
  key?: (file: UppyFile<M, B>) => string;
  /** Prepended to the file's name when `key` is not given (`photos/`). */
  prefix?: string;
  /** Files uploaded at once (default 3). */
  limit?: number;
  /**
   * Files from this size go in parts (`multipart: true`), so that a pause or a reload keeps
   * what was sent (default: as the API decides, from its threshold, 100 MiB by default).
   */
  multipartFrom?: number;
  /** The part size to ask for (from 5 MiB; default: the API's, 8 MiB by default). */
  partSize?: number;
  /** Parts of one multipart upload sent at once (default 4). */
  partConcurrency?: number;
  /** Waits before each further try of a failed transfer, in ms (default `[0, 1000, 3000, 5000]`). */
  retryDelays?: number[];
  /** Apply the tenant's limits (`GET /usage`) as Uppy restrictions when installed (default true). */
  restrictionsFromLimits?: boolean;
  /** Where intents in progress are kept for resuming after a reload (default `localStorage`; `null`: nowhere). */
  storage?: KeyValueStorage | null;
  /** The `fetch` for API requests (default: the global one). */
  fetch?: typeof fetch;
}

type Opts<M extends Meta, B extends Body> = DefinePluginOpts<
  FilegateOptions<M, B>,
  "limit" | "partConcurrency" | "retryDelays" | "restrictionsFromLimits" | "prefix"
>;

/** One file being uploaded, and how to pause, resume or cancel it. */
interface Running {
  upload: FileUpload;
  controller: AbortController;
  paused: boolean;
  cancelled: boolean;
  /** Resolves when a paused upload may go on. */
  wake?: () => void;
}

/**
 * Uppy's uploader for Filegate: each file goes through an upload intent (`POST /uploads`), in
 * one presigned PUT or in parts straight to S3, with progress, pause and resume (parts already
 * stored are kept, also across a reload), retries, and cancel, which aborts the intent.
 */
export class Filegate<M extends Meta, B extends Body> extends BasePlugin<Opts<M, B>, M, B> {
  static VERSION = "0.1.0";
  /** The `@filegate/client` the plugin reads the tenant's limits with. */
  readonly client: FilegateClient;
  private readonly api: IntentApi;
  private readonly store: ResumeStore;
  private readonly running = new Map<string, Running>();

  constructor(uppy: Uppy<M, B>, options: FilegateOptions<M, B>) {
    super(uppy, {
      limit: 3,
      partConcurrency: 4,
      retryDelays: [0, 1000, 3000, 5000],
      restrictionsFromLimits: true,
      prefix: "",
      ...options,
    });
    this.id = this.opts.id ?? "Filegate";
    this.type = "uploader";
    const access = { baseUrl: options.baseUrl, getToken: options.getToken, fetch: options.fetch };
    this.client = new FilegateClient(access);
    this.api = new IntentApi(access);
    const storage = options.storage === null ? undefined : (options.storage ?? defaultStorage());
    this.store = new ResumeStore(options.baseUrl, storage);
  }

  override install(): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({
      capabilities: { ...capabilities, resumableUploads: true, individualCancellation: true },
    });
    this.uppy.addUploader(this.upload);
    this.uppy.on("upload-pause", this.onPause);
    this.uppy.on("pause-all", this.onPauseAll);
    this.uppy.on("resume-all", this.onResumeAll);
    this.uppy.on("file-removed", this.onRemoved);
    this.uppy.on("cancel-all", this.onCancelAll);
    if (this.opts.restrictionsFromLimits) void this.applyLimits();
  }

  override uninstall(): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: false } });
    this.uppy.removeUploader(this.upload);
    this.uppy.off("upload-pause", this.onPause);
    this.uppy.off("pause-all", this.onPauseAll);
    this.uppy.off("resume-all", this.onResumeAll);
    this.uppy.off("file-removed", this.onRemoved);
    this.uppy.off("cancel-all", this.onCancelAll);
  }

  /** Reads the tenant's limits and usage and sets them as Uppy's restrictions. */
  async applyLimits(): Promise<void> {
    try {
      const restrictions = restrictionsFrom(await this.client.usage());
      this.uppy.setOptions({ restrictions: { ...this.uppy.opts.restrictions, ...restrictions } });
    } catch (error) {
      // An API without quotas answers 404: the API still has the last word on each upload.
      this.uppy.log(`[Filegate] limits not applied: ${String(error)}`, "warning");
    }
  }

  /** The key a file is stored as. */
  keyOf(file: UppyFile<M, B>): string {
    return this.opts.key ? this.opts.key(file) : `${this.opts.prefix}${file.name ?? file.id}`;
  }

  private readonly upload = async (fileIDs: string[]): Promise<void> => {
    const files = this.uppy.getFilesByIds(fileIDs);
    this.uppy.emit("upload-start", files);
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await this.uploadFile(file);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.limit) }, worker));
  };

  /** Uploads one file; a pause stops it and waits, a resume goes on with the same intent. */
  private async uploadFile(file: UppyFile<M, B>): Promise<void> {
    const entry = this.start(file);
    if (!entry) return;
    try {
      for (;;) {
        if (entry.paused) await new Promise<void>((wake) => (entry.wake = wake));
        if (entry.cancelled) return;
        entry.controller = new AbortController();
        try {
          const outcome = await entry.upload.run(entry.controller.signal);
          // Done: removing the file from Uppy now (as apps do on success) must not cancel it.
          this.running.delete(file.id);
          this.uppy.emit("upload-success", this.uppy.getFile(file.id), {
            status: 200,
            body: outcome as unknown as B,
            uploadURL: undefined,
          });
          return;
        } catch (error) {
          if (entry.cancelled) return;
          if (entry.paused) continue;
          this.uppy.emit("upload-error", this.uppy.getFile(file.id), asUppyError(error));
          return;
        }
      }
    } finally {
      this.running.delete(file.id);
    }
  }

  private start(file: UppyFile<M, B>): Running | undefined {
    if (!(file.data instanceof Blob)) {
      this.uppy.emit(
        "upload-error",
        file,
        new Error("Filegate uploads files of this browser only"),
      );
      return undefined;
    }
    const data = file.data;
    const upload = new FileUpload({
      api: this.api,
      store: this.store,
      identity: {
        key: this.keyOf(file),
        name: file.name ?? "",
        size: data.size,
        type: file.type ?? "",
        lastModified: data instanceof File ? data.lastModified : undefined,
      },
      data,
      contentType: file.type || data.type,
      multipartFrom: this.opts.multipartFrom,
      partSize: this.opts.partSize,
      concurrency: this.opts.partConcurrency,
      retryDelays: this.opts.retryDelays,
      onProgress: (bytesUploaded) => {
        const current = this.uppy.getFile(file.id);
        if (!current) return;
        this.uppy.emit("upload-progress", current, {
          uploadStarted: current.progress.uploadStarted ?? Date.now(),
          bytesUploaded,
          bytesTotal: data.size,
        });
      },
      onIntent: (id, resumed) => {
        const meta = { filegateUploadId: id, filegateResumed: resumed };
        if (this.uppy.getFile(file.id)) this.uppy.setFileMeta(file.id, meta as unknown as M);
      },
    });
    const entry: Running = {
      upload,
      controller: new AbortController(),
      paused: Boolean(this.uppy.getFile(file.id)?.isPaused),
      cancelled: false,
    };
    this.running.set(file.id, entry);
    return entry;
  }

  private setPaused(entry: Running, paused: boolean): void {
    entry.paused = paused;
    if (paused) entry.controller.abort();
    else entry.wake?.();
  }

  private readonly onPause = (file: UppyFile<M, B> | undefined, isPaused: boolean) => {
    const entry = file && this.running.get(file.id);
    if (entry) this.setPaused(entry, isPaused);
  };

  private readonly onPauseAll = () => {
    for (const entry of this.running.values()) this.setPaused(entry, true);
  };

  private readonly onResumeAll = () => {
    for (const entry of this.running.values()) this.setPaused(entry, false);
  };

  private cancel(entry: Running): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    entry.controller.abort();
    entry.wake?.();
    void entry.upload.cancel();
  }

  private readonly onRemoved = (file: UppyFile<M, B>) => {
    const entry = this.running.get(file.id);
    if (entry) this.cancel(entry);
  };

  private readonly onCancelAll = () => {
    for (const entry of this.running.values()) this.cancel(entry);
  };
}

function asUppyError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(String(error));
}
