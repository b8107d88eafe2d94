/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One thing to time: a call, awaited when it returns a promise. */
export interface Candidate {
  id: string;
  run: () => unknown;
}

export interface RoundOptions {
  rounds: number;
  /** How long each candidate runs in one round, roughly. */
  roundMs: number;
  /** How long each candidate runs before timing starts (JIT, connection pools, caches). */
  warmupMs: number;
}

/**
 * Microseconds per call, one value per round, on two clocks: `wall`, for work that waits on
 * other processes, and `cpu`, this process's CPU time, for work that never waits (on a
 * shared machine the wall clock also counts the time the process was not running at all).
 */
export interface Samples {
  wall: number[];
  cpu: number[];
}

/**
 * Times candidates round by round, each round running every candidate in turn (in a fresh
 * random order) for about `roundMs` (an iteration count calibrated during warm-up), so that
 * drift, GC and a busy neighbour fall on all of them alike. Returns each candidate's mean
 * time per call of every round.
 */
export async function timeRounds(
  candidates: readonly Candidate[],
  options: RoundOptions,
): Promise<Map<string, Samples>> {
  const iterations = new Map<string, number>();
  for (const candidate of candidates) {
    let calls = 0;
    const started = performance.now();
    while (performance.now() - started < options.warmupMs || calls < 3) {
      await candidate.run();
      calls++;
    }
    const perCallMs = (performance.now() - started) / calls;
    iterations.set(candidate.id, Math.max(1, Math.round(options.roundMs / perCallMs)));
  }
  const samples = new Map<string, Samples>(
    candidates.map((candidate) => [candidate.id, { wall: [], cpu: [] }]),
  );
  for (let round = 0; round < options.rounds; round++) {
    for (const candidate of shuffled(candidates)) {
      const count = iterations.get(candidate.id) ?? 1;
      const wall = wallMicroseconds();
      const cpu = cpuMicroseconds();
      for (let i = 0; i < count; i++) await candidate.run();
      const own = samples.get(candidate.id);
      own?.cpu.push((cpuMicroseconds() - cpu) / count);
      own?.wall.push((wallMicroseconds() - wall) / count);
    }
  }
  return samples;
}

function wallMicroseconds(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

function cpuMicroseconds(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The items in a random order. */
export function shuffled<T>(items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** Runs `work` over `items` with at most `concurrency` calls in flight. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
