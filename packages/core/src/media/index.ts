/**
 * Media types: what a `Content-Type` value may be, and which ones an allow-list of types and
 * patterns (a setting, a tenant's limits) admits.
 */

/** A `Content-Type` value: `type/subtype` with optional parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;[\x20-\x7e]*)?$/;

/** True for a usable `Content-Type` value such as `text/csv; charset=utf-8`. */
export function isMediaType(value: string): boolean {
  return value.length <= 256 && MEDIA_TYPE.test(value);
}

const MEDIA_PATTERN = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/;

/** True for a lower-case media type or pattern an allow-list may hold (`image/*`, `text/csv`). */
export function isMediaPattern(value: string): boolean {
  return MEDIA_PATTERN.test(value);
}

/**
 * The media type of a `Content-Type` value, without parameters, lower case.
 *
 * @example mediaType("Text/Plain; charset=utf-8") // "text/plain"
 */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** True when the content type matches one of the patterns (`type/subtype`, `type/*`, `*` + `/*`). */
export function contentTypeAllowed(contentType: string, patterns: readonly string[]): boolean {
  const [type, subtype] = mediaType(contentType).split("/");
  return patterns.some((pattern) => {
    const [allowedType, allowedSubtype] = pattern.split("/");
    return (
      (allowedType === "*" || allowedType === type) &&
      (allowedSubtype === "*" || allowedSubtype === subtype)
    );
  });
}
