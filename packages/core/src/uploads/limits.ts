import * as z from "zod/mini";
import { MAX_OBJECT_BYTES } from "../config";

/** What a tenant may upload and store. `null` means unlimited. */
export interface TenantLimits {
  maxObjectBytes: number;
  maxBytes: number | null;
  maxObjects: number | null;
  /** Media types or patterns (`image/*`, `*` + `/*`), lower case. */
  allowedContentTypes: string[];
}

/** A `Content-Type` value: `type/subtype` with optional parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;[\x20-\x7e]*)?$/;

/** True for a usable `Content-Type` value such as `text/csv; charset=utf-8`. */
export function isMediaType(value: string): boolean {
  return value.length <= 256 && MEDIA_TYPE.test(value);
}

const MEDIA_PATTERN = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/;

/** A change of a tenant's limits, as an operator sends it (omitted fields stay as they are). */
export const LimitsUpdateSchema = z.strictObject({
  maxObjectBytes: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_OBJECT_BYTES))),
  maxBytes: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  maxObjects: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  allowedContentTypes: z.optional(
    z
      .array(
        z
          .pipe(
            z.string(),
            z.transform((value) => value.toLowerCase()),
          )
          .check(
            z.refine(
              (value: string) => MEDIA_PATTERN.test(value),
              "allowedContentTypes must be media types or patterns such as image/*",
            ),
          ),
      )
      .check(z.minLength(1), z.maxLength(100)),
  ),
});
export type LimitsUpdate = z.infer<typeof LimitsUpdateSchema>;

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
