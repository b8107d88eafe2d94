import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A stored item, as DynamoDB's low-level API carries it. */
export type Item = Record<string, AttributeValue>;

const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * The size DynamoDB bills an item at: for each attribute, its name's UTF-8 bytes plus its
 * value's size (strings in UTF-8 bytes, binaries in bytes, numbers 1 byte plus 1 per two
 * significant digits, booleans and nulls 1 byte, lists and maps 3 bytes plus 1 per element).
 */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined) return 3 + Object.keys(value.M).length + itemSize(value.M);
  return 1;
}

/** Leading and trailing zeros are not stored; every two significant digits take a byte. */
function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, "")
    .replace(/[eE].*$/, "")
    .replace(".", "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  if (digits.length === 0) return 1;
  return 1 + Math.ceil(digits.length / 2) + (text.startsWith("-") ? 1 : 0);
}

/** Write units of an item write: 1 per KB, rounded up, at least 1. */
export function writeUnits(size: number): number {
  return Math.max(1, Math.ceil(size / 1024));
}

/** Read units: 1 per 4 KB read, rounded up, at least 1; half when eventually consistent. */
export function readUnits(size: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(size / 4096)) * (consistent ? 1 : 0.5);
}
