import {
  ForbiddenError,
  NotFoundError,
  type PartGrant,
  type SingleUploadIntent,
} from "@filegate/client";
import { type IntentApi, type IntentRequest, type IntentState, mustFitFile } from "./api";
import type { FileIdentity, ResumeRecord, ResumeStore } from "./resume-store";
import { abortError, sendWithRetries } from "./transfer";

/** The API signs at most this many parts per request. */
const SIGN_BATCH = 100;

/** What one file's upload needs. */
export interface FileUploadOptions {
  api: IntentApi;
  store: ResumeStore;
  identity: FileIdentity;
  data: Blob;
  contentType: string;
  /** Ask for a multipart upload from this size (default: as the API decides). */
  multipartFrom?: number | undefined;
  /** The part size to ask for, for multipart uploads. */
  partSize?: number | undefined;
  /** Parts in flight at once. */
  concurrency: number;
  retryDelays: readonly number[];
  /** Total bytes sent so far (parts already held by storage included). */
  onProgress: (bytesUploaded: number) => void;
  /** Called once the intent is known, created or resumed. */
  onIntent?: ((id: string, resumed: boolean) => void) | undefined;
}

/** What an upload ends with. */
export interface UploadOutcome {
  id: string;
  key: string;
  etag: string;
  method: "single" | "multipart";
  /** True when it went on from an intent of an earlier attempt (a pause, a reload). */
  resumed: boolean;
}

/**
 * The upload of one file through a Filegate upload intent. Stopping it (its signal) keeps the
 * intent: the next `run` goes on from the parts storage already holds, as the API reports them
 * (`GET /uploads/{id}`) or, where the API lists none, as this browser recorded them.
 */
export class FileUpload {
  /** The intent of this upload, once created or found. */
  intentId: string | undefined;
  private readonly sent = new Map<number, number>();

  constructor(private readonly options: FileUploadOptions) {}

  async run(signal: AbortSignal): Promise<UploadOutcome> {
    const { record, state } = await this.resumable(signal);
    if (record && state) {
      this.intentId = record.id;
      this.options.onIntent?.(record.id, true);
      if (record.method === "multipart") return this.resumeMultipart(record, state, signal);
      // A single PUT has no parts to keep: its intent is dropped and a new one made.
      await this.options.api.abort(record.id).catch(() => {});
      this.options.store.delete(this.options.identity);
    }
    const intent = await this.options.api.create(this.request(), signal);
    this.intentId = intent.id;
    this.options.onIntent?.(intent.id, false);
    if (intent.method === "single") return this.single(intent, signal);
    mustFitFile(intent, this.options.data.size);
    const fresh: ResumeRecord = {
      id: intent.id,
      method: "multipart",
      partSize: intent.partSize,
      partCount: intent.partCount,
      parts: [],
    };
    this.options.store.set(this.options.identity, fresh);
    return this.multipart(fresh, intent.parts, signal, false);
  }

  /** Aborts the intent through the API and forgets it. */
  async cancel(): Promise<void> {
    const id = this.intentId ?? this.options.store.get(this.options.identity)?.id;
    this.options.store.delete(this.options.identity);
    if (id) await this.options.api.abort(id).catch(() => {});
  }

  /** The intent recorded for this file, when the API says it is still pending. */
  private async resumable(
    signal: AbortSignal,
  ): Promise<{ record?: ResumeRecord; state?: IntentState }> {
    const record = this.options.store.get(this.options.identity);
    if (!record) return {};
    try {
      const state = await this.options.api.status(record.id, signal);
      if (state.status === "pending" && state.size === this.options.data.size) {
        return { record, state };
      }
    } catch (error) {
      // Gone, or another tenant's: start afresh. Anything else (the API unreachable) fails
      // this try, and the record stays for the next.
      if (!(error instanceof NotFoundError || error instanceof ForbiddenError)) throw error;
    }
    this.options.store.delete(this.options.identity);
    return {};
  }

  private async single(intent: SingleUploadIntent, signal: AbortSignal): Promise<UploadOutcome> {
    this.options.store.set(this.options.identity, { id: intent.id, method: "single", parts: [] });
    const etag = await sendWithRetries(intent.upload, this.options.data, {
      signal,
      retryDelays: this.options.retryDelays,
      onProgress: (loaded) => this.progress(0, loaded),
      what: `the upload of ${intent.key}`,
    });
    this.options.store.delete(this.options.identity);
    return {
      id: intent.id,
      key: intent.key,
      etag: unquote(etag),
      method: "single",
      resumed: false,
    };
  }

  private resumeMultipart(
    record: ResumeRecord,
    state: IntentState,
    signal: AbortSignal,
  ): Promise<UploadOutcome> {
    // The API's word on what storage holds wins over this browser's record.
    if (Array.isArray(state.parts))
      record.parts = state.parts.map(({ partNumber, etag }) => ({ partNumber, etag }));
    record.partSize = state.partSize ?? record.partSize;
    record.partCount = state.partCount ?? record.partCount;
    this.options.store.set(this.options.identity, record);
    return this.multipart(record, [], signal, true);
  }

  private async multipart(
    record: ResumeRecord,
    firstGrants: PartGrant[],
    signal: AbortSignal,
    resumed: boolean,
  ): Promise<UploadOutcome> {
    const { partSize, partCount } = planOf(record);
    const held = new Map(record.parts.map((part) => [part.partNumber, part.etag]));
    for (const n of held.keys()) this.progress(n, sizeOf(n, partSize, this.options.data.size));
    const missing = range(partCount).filter((n) => !held.has(n));
    const grants = new Map(firstGrants.map((grant) => [grant.partNumber, grant]));
    const next = () => missing.shift();
    // The first failure stops the other parts' requests, and is the one reported.
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal.addEventListener("abort", stop, { once: true });
    let failure: unknown;
    const worker = async () => {
      try {
        for (let n = next(); n !== undefined; n = next()) {
          const etag = await this.part(record, n, grants, controller.signal);
          this.options.store.addPart(this.options.identity, record, { partNumber: n, etag });
        }
      } catch (error) {
        failure ??= error;
        controller.abort();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, worker));
    } finally {
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) throw abortError();
    if (failure !== undefined) throw failure;
    const completed = await this.options.api.complete(record.id, record.parts, signal);
    this.options.store.delete(this.options.identity);
    return {
      id: record.id,
      key: completed.key,
      etag: completed.etag,
      method: "multipart",
      resumed,
    };
  }

  /** Sends part `n`, signing it (and the next ones) when no fresh URL is at hand. */
  private async part(
    record: ResumeRecord,
    n: number,
    grants: Map<number, PartGrant>,
    signal: AbortSignal,
  ): Promise<string> {
    const { partSize, partCount } = planOf(record);
    const sign = async () => {
      const numbers = range(partCount).filter((m) => m >= n && m < n + SIGN_BATCH);
      const known = new Set(record.parts.map((p) => p.partNumber));
      for (const grant of await this.options.api.sign(
        record.id,
        numbers.filter((m) => m === n || !known.has(m)),
        signal,
      )) {
        grants.set(grant.partNumber, grant);
      }
      return grants.get(n) as PartGrant;
    };
    const cached = grants.get(n);
    const grant =
      cached && Date.parse(cached.expiresAt) - Date.now() > 60_000 ? cached : await sign();
    grants.delete(n);
    const start = (n - 1) * partSize;
    return sendWithRetries(
      grant,
      this.options.data.slice(start, start + sizeOf(n, partSize, this.options.data.size)),
      {
        signal,
        retryDelays: this.options.retryDelays,
        onProgress: (loaded) => this.progress(n, loaded),
        resign: async () => {
          grants.delete(n);
          return sign();
        },
        what: `part ${n} of ${this.options.identity.key}`,
      },
    );
  }

  private progress(piece: number, loaded: number): void {
    this.sent.set(piece, loaded);
    let total = 0;
    for (const bytes of this.sent.values()) total += bytes;
    this.options.onProgress(Math.min(total, this.options.data.size));
  }

  /** `POST /uploads`: in parts from `multipartFrom`, of `partSize` when given. */
  private request(): IntentRequest {
    const { identity, data, multipartFrom, partSize } = this.options;
    const contentType = this.options.contentType || "application/octet-stream";
    const request: IntentRequest = { key: identity.key, size: data.size, contentType };
    if (multipartFrom !== undefined && data.size >= multipartFrom) {
      request.multipart = true;
      if (partSize) request.partSize = partSize;
    }
    return request;
  }
}

function planOf(record: ResumeRecord): { partSize: number; partCount: number } {
  if (!record.partSize || !record.partCount) throw new Error("multipart record without a plan");
  return { partSize: record.partSize, partCount: record.partCount };
}

function sizeOf(n: number, partSize: number, size: number): number {
  return Math.min(partSize, size - (n - 1) * partSize);
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
