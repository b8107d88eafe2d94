/** A transfer's progress, as `onProgress` receives it. */
export interface TransferProgress {
  /** The file key being transferred. */
  key: string;
  /** Bytes sent (or received) so far. */
  loaded: number;
  /** Bytes in all; `loaded === total` once, at the end. */
  total: number;
}

/** Receives progress events; keep it cheap, it can be called for every 64 KiB. */
export type ProgressListener = (progress: TransferProgress) => void;

/**
 * Sums the bytes of the pieces of one transfer (the parts of a multipart upload, or the one
 * body of a single request) and reports the total. A piece that is retried starts again from
 * zero, so `loaded` can step back then. `finish()` reports `loaded === total` exactly once.
 */
export class ProgressTracker {
  private readonly pieces = new Map<number, number>();
  private loaded = 0;
  private finished = false;

  constructor(
    private readonly key: string,
    private readonly total: number,
    private readonly listener: ProgressListener | undefined,
  ) {}

  /** Sets how many bytes of piece `id` have been moved so far. */
  set(id: number, bytes: number): void {
    this.loaded += bytes - (this.pieces.get(id) ?? 0);
    this.pieces.set(id, bytes);
    // The last event belongs to finish(), after the transfer has really succeeded.
    if (this.loaded < this.total) this.emit(this.loaded);
  }

  /** Reports the transfer as complete. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit(this.total);
  }

  private emit(loaded: number): void {
    this.listener?.({ key: this.key, loaded, total: this.total });
  }
}
