/** One page of a sorted source: its items in order, and where the next page starts. */
export interface SourcePage<T> {
  items: T[];
  next?: Record<string, unknown> | undefined;
}

/** A sorted source read page by page: `start` is the previous page's `next` (none at first). */
export type Source<T> = (start: Record<string, unknown> | undefined) => Promise<SourcePage<T>>;

/** DynamoDB orders string sort keys by their UTF-8 bytes: so does the merge. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The first `count` items of several sorted sources, merged in order of `keyOf`, each source
 * read lazily: a source is asked for its next page only when the merge has taken every item
 * it gave so far and it has more. Sources start in parallel; every key must be in one source
 * only (a listing's shards).
 *
 * @example await mergeSorted(shards.map(queryShard), (item) => item.key, 101)
 */
export async function mergeSorted<T>(
  sources: readonly Source<T>[],
  keyOf: (item: T) => string,
  count: number,
): Promise<T[]> {
  const states = sources.map((read) => ({
    read,
    buffer: [] as T[],
    next: undefined as Record<string, unknown> | undefined,
    started: false,
  }));
  const fill = async (state: (typeof states)[number]) => {
    // Pages can come back empty (a filter, or the end of a range): read on until an item.
    while (state.buffer.length === 0 && (!state.started || state.next)) {
      const page = await state.read(state.next);
      state.started = true;
      state.buffer.push(...page.items);
      state.next = page.next;
    }
  };
  const merged: T[] = [];
  while (merged.length < count) {
    await Promise.all(states.map(fill));
    let best: (typeof states)[number] | undefined;
    for (const state of states) {
      const head = state.buffer[0];
      if (head === undefined) continue;
      const bestHead = best?.buffer[0];
      if (bestHead === undefined || compareUtf8(keyOf(head), keyOf(bestHead)) < 0) best = state;
    }
    if (!best) break;
    merged.push(best.buffer.shift() as T);
  }
  return merged;
}
