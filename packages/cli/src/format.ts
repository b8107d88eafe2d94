/** Output helpers: sizes, times and columns for people; JSON for scripts. */
import type { Paged } from "@filegate/client";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** A byte count for people: `16 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** An ISO time as `2026-11-25 15:18:55`, in UTC. */
export function formatTime(iso: string): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "-";
}

/** Prints a value as JSON on stdout (what `--json` promises). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows with aligned columns (every column but the last is padded). */
export function printColumns(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  for (const row of rows) {
    const line = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)));
    process.stdout.write(`${line.join("  ")}\n`);
  }
}

/**
 * Prints a paginated listing: with `--json` one array of every item; otherwise aligned rows,
 * a page at a time as the pages arrive.
 */
export async function printPaged<T>(
  json: boolean,
  items: Paged<T>,
  row: (item: T) => string[],
): Promise<number> {
  if (json) {
    const all = await items.toArray();
    printJson(all);
    return all.length;
  }
  let count = 0;
  for await (const page of items.pages()) {
    printColumns(page.items.map(row));
    count += page.items.length;
  }
  return count;
}
