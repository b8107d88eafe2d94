/** When failed deliveries are tried again. */
export interface RetrySchedule {
  /** Delay before the first retry, seconds; each further one doubles it. */
  firstSeconds: number;
  /** The longest delay between two attempts, seconds. */
  maxSeconds: number;
  /** Retries go on while less than this has passed since the first attempt, seconds. */
  windowSeconds: number;
}

/** SQS delays a message at most 15 minutes; longer waits hop through the queue. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/**
 * The delay before the attempt after failed attempt `attempt` (from 1): exponential backoff
 * (`firstSeconds · 2^(attempt-1)`, at most `maxSeconds`) with jitter (×0.5 to ×1.5), or
 * `undefined` once `elapsedSeconds` since the first attempt reach the window (dead-letter).
 *
 * @example nextRetryDelay({ firstSeconds: 30, maxSeconds: 14400, windowSeconds: 86400 }, 1, 0, () => 0.5) // 30
 */
export function nextRetryDelay(
  schedule: RetrySchedule,
  attempt: number,
  elapsedSeconds: number,
  random: () => number = Math.random,
): number | undefined {
  if (elapsedSeconds >= schedule.windowSeconds) return undefined;
  const base = Math.min(
    schedule.firstSeconds * 2 ** Math.min(attempt - 1, 30),
    schedule.maxSeconds,
  );
  return Math.max(1, Math.round(base * (0.5 + random())));
}

/** The attempts a schedule makes at most, and how long it lasts, without jitter (for docs and tests). */
export function scheduleSpan(schedule: RetrySchedule): { attempts: number; seconds: number } {
  let elapsed = 0;
  let attempt = 1;
  for (;;) {
    const delay = nextRetryDelay(schedule, attempt, elapsed, () => 0.5);
    if (delay === undefined) return { attempts: attempt, seconds: elapsed };
    elapsed += delay;
    attempt++;
  }
}
