import { Errors } from "../errors";

/**
 * A validated file key: UTF-8, relative, no empty or dot segments, no control characters. A
 * key is the request path after the one percent-decoding API Gateway applies, so it may hold a
 * literal '%' (`100%.txt`); a segment that would become '.' or '..' if its own escapes were
 * decoded once more (`%2e%2e`, `.%2E`) is refused like the literal one.
 */
export type FileKey = string & { readonly __brand: "FileKey" };

/** The longest file key, in UTF-8 bytes. The tenant prefix must still fit S3's 1,024. */
export const MAX_KEY_BYTES = 900;

const encoder = new TextEncoder();
// C0 controls, DEL and C1 controls: refusing them is the point of this expression.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches control characters on purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `key` is not a valid file key, or `undefined` when it is.
 *
 * @example keyProblem("photos/../etc") // "it contains a '..' segment"
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "it is empty";
  if (!key.isWellFormed()) return "it is not valid UTF-8";
  if (encoder.encode(key).length > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(key)) return "it contains a control character";
  if (key.startsWith("/")) return "it starts with '/'";
  if (key.endsWith("/")) return "it ends with '/'";
  for (const segment of key.split("/")) {
    if (segment === "") return "it contains an empty segment ('//')";
    if (segment === ".") return "it contains a '.' segment";
    if (segment === "..") return "it contains a '..' segment";
  }
  return encodedDotSegment(key.split("/"));
}

/**
 * Why `segments` would hold a dot segment once their percent escapes were decoded (by a tool
 * that decodes a key as a URL path), or `undefined`. Only the escape `%2E` decodes to '.', and
 * only `%2F` to '/' (no other UTF-8 sequence holds those bytes), so replacing those two is
 * decoding once as far as dot segments go: `%2e%2e` and `a%2F..%2Fb` are refused.
 */
function encodedDotSegment(segments: readonly string[], partialTail = false): string | undefined {
  for (const [i, segment] of segments.entries()) {
    if (!segment.includes("%")) continue;
    const parts = segment.replace(/%2e/gi, ".").replace(/%2f/gi, "/").split("/");
    // A prefix's last segment may be partial: so may the last part of its decoded form.
    if (partialTail && i === segments.length - 1) parts.pop();
    for (const part of parts) {
      if (part === "." || part === "..") {
        return `it contains a '${part}' segment once its percent escapes are decoded ('${segment}')`;
      }
    }
  }
  return undefined;
}

/** True when `key` is a valid file key. */
export function isValidKey(key: string): key is FileKey {
  return keyProblem(key) === undefined;
}

/** Throws `invalid_key` (400) with the reason unless `key` is a valid file key. */
export function mustBeValidKey(key: string): asserts key is FileKey {
  const problem = keyProblem(key);
  if (problem) throw Errors.invalidKey(problem);
}

/**
 * Why `prefix` is not a valid listing prefix, or `undefined`. A prefix follows the key rules
 * except that it may be empty, may end with '/', and its last segment may be partial
 * (`"photos/20"` matches `"photos/2024/a.jpg"`).
 */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === "") return undefined;
  if (!prefix.isWellFormed()) return "it is not valid UTF-8";
  if (encoder.encode(prefix).length > MAX_KEY_BYTES) {
    return `it is longer than ${MAX_KEY_BYTES} bytes`;
  }
  if (CONTROL.test(prefix)) return "it contains a control character";
  if (prefix.startsWith("/")) return "it starts with '/'";
  const segments = prefix.split("/");
  // Every segment but the last is complete; the last may be empty (trailing '/') or partial.
  for (const segment of segments.slice(0, -1)) {
    if (segment === "") return "it contains an empty segment ('//')";
    if (segment === "." || segment === "..") return `it contains a '${segment}' segment`;
  }
  return encodedDotSegment(segments, true);
}

/** Throws `bad_request` (400) unless `prefix` is a valid listing prefix. */
export function mustBeValidPrefix(prefix: string): void {
  const problem = prefixProblem(prefix);
  if (problem) throw Errors.badRequest(`Invalid prefix: ${problem}`, { reason: problem });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict percent-decoding of a URL path component (no '+' to space). */
export function percentDecode(raw: string): string {
  if (!raw.includes("%")) return raw;
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) {
    throw Errors.invalidKey("it has a malformed percent escape");
  }
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === "%") {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const codePoint = raw.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    bytes.push(...encoder.encode(char));
    i += char.length;
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch (cause) {
    throw Object.assign(Errors.invalidKey("its percent escapes are not valid UTF-8"), { cause });
  }
}
