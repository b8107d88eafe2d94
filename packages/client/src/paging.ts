import type { Page } from "./types";

/**
 * A paginated listing: iterate it with `for await` to get every item of every page, in
 * order; pages are fetched one at a time, as the iteration reaches them.
 *
 * @example
 * for await (const file of filegate.list({ prefix: "docs/" })) console.log(file.key);
 * const all = await filegate.list().toArray();
 */
export class Paged<T> implements AsyncIterable<T> {
  /** @param fetchPage fetches the page after `cursor` (`null` for the first). */
  constructor(private readonly fetchPage: (cursor: string | null) => Promise<Page<T>>) {}

  /** Every page, in order, until the API's `cursor` is `null`. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.fetchPage(cursor);
      yield page;
      cursor = page.cursor;
    } while (cursor);
  }

  /** Every item of every page, in order. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every item, collected into an array (fetches all pages). */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
