/**
 * Object keys and bucket names as S3 takes them, and listing in S3's order. Pure functions:
 * the emulator's store keeps the keys of a bucket in a sorted array and pages through it here.
 */

/** S3's longest key: 1,024 bytes of UTF-8, with no limit on a segment between slashes. */
export const MAX_KEY_BYTES = 1024;

/** Whether S3 stores an object under this key: 1 to 1,024 bytes of UTF-8 (`..` and all). */
export function isStorableKey(key: string): boolean {
  return key.length > 0 && Buffer.byteLength(key, "utf8") <= MAX_KEY_BYTES;
}

/**
 * Whether a name is one S3 gives a bucket: 3 to 63 lowercase letters, digits, dots and hyphens,
 * starting and ending with a letter or digit, no `..`. Anything else never names a folder.
 */
export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..");
}

/** A UTF-16 code unit mapped so that comparing mapped units orders strings by code point. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates encode code points above U+FFFF: they sort after U+E000..U+FFFF.
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/**
 * Compares keys the way S3 lists them: by their UTF-8 bytes (which is code point order, not
 * JavaScript's UTF-16 order: `"\u{1F600}" > "\uFFFD"` here).
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** The first index of a sorted array whose element passes `test` (false then true). */
function firstIndex(sorted: readonly string[], test: (key: string) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(sorted[middle] as string)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** A set of keys kept in S3's order. */
export class SortedKeys {
  private constructor(private readonly keys: string[]) {}

  /** The keys, sorted once. */
  static from(keys: Iterable<string>): SortedKeys {
    return new SortedKeys([...new Set(keys)].sort(compareKeys));
  }

  get all(): readonly string[] {
    return this.keys;
  }

  add(key: string): void {
    const at = firstIndex(this.keys, (other) => compareKeys(other, key) >= 0);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = firstIndex(this.keys, (other) => compareKeys(other, key) >= 0);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }
}

export interface ListQuery {
  prefix: string;
  delimiter: string;
  /** List after this key; a common prefix here skips every key under it (as S3's markers do). */
  startAfter: string;
  maxKeys: number;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix of a truncated page: where the next page starts after. */
  nextMarker?: string;
}

/** The common prefix a key rolls up into, if the delimiter occurs after the prefix. */
function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === "") return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

/**
 * One page of a listing as S3 answers ListObjects(V2): keys after `startAfter` that start
 * with `prefix`, those holding `delimiter` after the prefix rolled up into common prefixes,
 * keys and common prefixes together at most `maxKeys`.
 */
export function listPage(sorted: readonly string[], query: ListQuery): ListPage {
  const { prefix, delimiter, startAfter, maxKeys } = query;
  const page: ListPage = { keys: [], commonPrefixes: [], isTruncated: false };
  const afterAll = (rolled: string) => (key: string) =>
    compareKeys(key, rolled) > 0 && !key.startsWith(rolled);
  const skipped = startAfter.startsWith(prefix) ? rollUp(startAfter, prefix, delimiter) : undefined;
  let at = firstIndex(sorted, (key) => compareKeys(key, prefix) >= 0);
  at = Math.max(
    at,
    firstIndex(sorted, (key) => compareKeys(key, startAfter) > 0),
  );
  if (skipped === startAfter) at = Math.max(at, firstIndex(sorted, afterAll(startAfter)));
  let entries = 0;
  let last: string | undefined;
  while (at < sorted.length) {
    const key = sorted[at] as string;
    if (!key.startsWith(prefix)) break;
    if (entries === maxKeys) {
      page.isTruncated = true;
      page.nextMarker = last;
      break;
    }
    const common = rollUp(key, prefix, delimiter);
    if (common === undefined) {
      page.keys.push(key);
      last = key;
      at++;
    } else {
      page.commonPrefixes.push(common);
      last = common;
      at = firstIndex(sorted, afterAll(common));
    }
    entries++;
  }
  return page;
}

/**
 * Event sequencers: strictly increasing hex strings, the milliseconds of the clock shifted
 * left 16 bits plus a counter, so that they keep increasing across restarts and within one
 * millisecond. Compared as S3's are: the shorter padded with zeros on the left.
 */
export class Sequencer {
  private last = 0n;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    const fromClock = BigInt(this.now()) << 16n;
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return this.last.toString(16).toUpperCase();
  }

  /** Never hands out a sequencer at or below one already used (read back from disk). */
  observe(sequencer: string): void {
    const value = BigInt(`0x${sequencer}`);
    if (value > this.last) this.last = value;
  }
}
