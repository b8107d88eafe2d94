import { TimeoutError } from "./errors";
import { sleep } from "./transport";

/** How long to wait for the index to catch up with storage (S3 events are asynchronous). */
export interface WaitOptions {
  /** Give up after this long (default 30 s), with a {@link TimeoutError}. */
  timeoutMs?: number;
  /** First pause between polls (default 50 ms); pauses grow to at most 1 s. */
  intervalMs?: number;
}

/** The wait options a `wait` argument stands for, or `undefined` for no wait. */
export function waitOptions(wait: boolean | WaitOptions | undefined): WaitOptions | undefined {
  if (!wait) return undefined;
  return wait === true ? {} : wait;
}

/**
 * Calls `probe` until it returns something other than `undefined`, pausing a little longer
 * each time; throws a {@link TimeoutError} naming `what` when the time is up. Errors thrown
 * by `probe` end the wait.
 */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let interval = options.intervalMs ?? 50;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new TimeoutError({
        status: 0,
        code: "timeout",
        message: `Gave up waiting for ${what} after ${timeoutMs} ms`,
        source: "client",
      });
    }
    await sleep(Math.min(interval, left), signal);
    interval = Math.min(interval * 1.5, 1000);
  }
}
