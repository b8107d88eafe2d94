// zod's tree-shakable build: a handler bundle carries only the schemas it uses (see
// docs/performance.md); the classic `zod` import would add about 80 KB to each one.
import * as z from "zod/mini";
import { isMediaPattern } from "../media";
import { parseEnvironment } from "./env";
import { wholeNumber } from "./numbers";

const MIB = 1024 * 1024;

/**
 * The longest lifetime of a presigned URL: 15 minutes, where SigV4 would allow a week.
 *
 * A URL signed with temporary credentials stops working when they expire, whatever its
 * `X-Amz-Expires` (S3 User Guide, "Expiration time for presigned URLs"), and the functions
 * sign with their execution role's session credentials. AWS documents no lifetime for those:
 * Lambda does not necessarily follow the role's maximum session duration (AWS Knowledge
 * Center, "presigned URL expiring before the expiration time"). What can be counted on is
 * that an invocation's credentials last while it may run, and a Lambda invocation runs at
 * most 15 minutes (900 s, also the shortest role session STS issues). Past that, a URL's
 * `expiresAt` could promise more than S3 honours. This is a bound inferred from documented
 * limits, not a documented guarantee: clients renew a URL (ask the API again, re-sign parts)
 * rather than keep one.
 */
export const MAX_PRESIGN_EXPIRES_SECONDS = 15 * 60;
/** S3's limits: a single PUT up to 5 GiB, parts from 5 MiB to 5 GiB, objects up to 5 TiB. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 * MIB;
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * 1024 * MIB;
export const MAX_OBJECT_BYTES = 5 * 1024 * 1024 * MIB;
export const MAX_PARTS = 10_000;

const byteCount = (name: string, max: number) => wholeNumber(name, 1, max, "bytes");

const quota = (name: string) =>
  z.string().check(z.regex(/^(\d+|unlimited)$/, `${name} must be a number or unlimited`));

const positiveInt = (name: string, max: number) => wholeNumber(name, 1, max);

/** The entries of a comma-separated list of media types, trimmed, lower case. */
function mediaPatterns(value: string): string[] {
  return value
    .split(",")
    .map((pattern) => pattern.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Runtime settings, read from environment variables with documented defaults:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `FILEGATE_PRESIGN_EXPIRES` | 300 | lifetime of presigned URLs, seconds (max 900: {@link MAX_PRESIGN_EXPIRES_SECONDS}) |
 * | `FILEGATE_TENANT_CLAIM` | tenant | JWT claim that names the tenant |
 * | `FILEGATE_TOMBSTONE_DAYS` | 30 | how long a deleted file's tombstone is kept |
 * | `FILEGATE_AUDIT_RETENTION_DAYS` | 365 | how long audit records (grants, events) are kept |
 * | `FILEGATE_MAX_OBJECT_BYTES` | 5497558138880 (5 TiB) | default largest file a tenant may upload |
 * | `FILEGATE_QUOTA_BYTES` | unlimited | default bytes a tenant may store (`unlimited` or a number) |
 * | `FILEGATE_QUOTA_OBJECTS` | unlimited | default number of files a tenant may store |
 * | `FILEGATE_CONTENT_TYPES` | any type | default allowed content types, comma-separated patterns (`image/*`) |
 * | `FILEGATE_MULTIPART_THRESHOLD` | 104857600 (100 MiB) | size from which upload intents use multipart (max 5 GiB) |
 * | `FILEGATE_PART_SIZE` | 8388608 (8 MiB) | smallest multipart part (5 MiB to 5 GiB) |
 * | `FILEGATE_MULTIPART_HOURS` | 24 | how long a multipart upload may take before it is aborted |
 *
 * The schema checks the variables as the strings they are ({@link loadSettings} reads the
 * numbers and lists out of them): checks on strings are all every function's bundle needs of
 * zod, where coercions, unions and transforms would add about 8 KB to each.
 */
export const SettingsSchema = z.object({
  FILEGATE_PRESIGN_EXPIRES: z._default(
    positiveInt("FILEGATE_PRESIGN_EXPIRES", MAX_PRESIGN_EXPIRES_SECONDS),
    "300",
  ),
  FILEGATE_TENANT_CLAIM: z._default(
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9_:./-]{1,128}$/, "FILEGATE_TENANT_CLAIM must be a claim name")),
    "tenant",
  ),
  FILEGATE_TOMBSTONE_DAYS: z._default(positiveInt("FILEGATE_TOMBSTONE_DAYS", 3650), "30"),
  FILEGATE_AUDIT_RETENTION_DAYS: z._default(
    positiveInt("FILEGATE_AUDIT_RETENTION_DAYS", 36500),
    "365",
  ),
  FILEGATE_MAX_OBJECT_BYTES: z._default(
    byteCount("FILEGATE_MAX_OBJECT_BYTES", MAX_OBJECT_BYTES),
    String(MAX_OBJECT_BYTES),
  ),
  FILEGATE_QUOTA_BYTES: z._default(quota("FILEGATE_QUOTA_BYTES"), "unlimited"),
  FILEGATE_QUOTA_OBJECTS: z._default(quota("FILEGATE_QUOTA_OBJECTS"), "unlimited"),
  FILEGATE_CONTENT_TYPES: z._default(
    z.string().check(
      z.refine((value: string) => {
        const patterns = mediaPatterns(value);
        return patterns.length > 0 && patterns.every(isMediaPattern);
      }, "FILEGATE_CONTENT_TYPES must be media types or patterns such as image/*, comma-separated"),
    ),
    "*/*",
  ),
  FILEGATE_MULTIPART_THRESHOLD: z._default(
    byteCount("FILEGATE_MULTIPART_THRESHOLD", MAX_SINGLE_PUT_BYTES),
    String(100 * MIB),
  ),
  FILEGATE_PART_SIZE: z._default(
    byteCount("FILEGATE_PART_SIZE", MAX_PART_BYTES).check(
      z.refine(
        (value: string) => Number(value) >= MIN_PART_BYTES,
        `FILEGATE_PART_SIZE must be at least ${MIN_PART_BYTES} (5 MiB)`,
      ),
    ),
    String(8 * MIB),
  ),
  FILEGATE_MULTIPART_HOURS: z._default(positiveInt("FILEGATE_MULTIPART_HOURS", 24 * 7), "24"),
});

const DAY_SECONDS = 24 * 60 * 60;

export interface Settings {
  presignExpiresSeconds: number;
  tenantClaim: string;
  tombstoneTtlSeconds: number;
  auditRetentionSeconds: number;
  /** Limits of a tenant that has none of its own. */
  defaultLimits: {
    maxObjectBytes: number;
    maxBytes: number | null;
    maxObjects: number | null;
    allowedContentTypes: string[];
  };
  multipartThresholdBytes: number;
  partSizeBytes: number;
  multipartTtlSeconds: number;
}

/**
 * Parses settings from an environment; throws one error naming every bad value.
 *
 * @example loadSettings({ FILEGATE_PRESIGN_EXPIRES: "60" }).presignExpiresSeconds // 60
 */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const parsed = parseEnvironment(SettingsSchema, env);
  const quota = (value: string) => (value === "unlimited" ? null : Number(value));
  return {
    presignExpiresSeconds: Number(parsed.FILEGATE_PRESIGN_EXPIRES),
    tenantClaim: parsed.FILEGATE_TENANT_CLAIM,
    tombstoneTtlSeconds: Number(parsed.FILEGATE_TOMBSTONE_DAYS) * DAY_SECONDS,
    auditRetentionSeconds: Number(parsed.FILEGATE_AUDIT_RETENTION_DAYS) * DAY_SECONDS,
    defaultLimits: {
      maxObjectBytes: Number(parsed.FILEGATE_MAX_OBJECT_BYTES),
      maxBytes: quota(parsed.FILEGATE_QUOTA_BYTES),
      maxObjects: quota(parsed.FILEGATE_QUOTA_OBJECTS),
      allowedContentTypes: mediaPatterns(parsed.FILEGATE_CONTENT_TYPES),
    },
    multipartThresholdBytes: Number(parsed.FILEGATE_MULTIPART_THRESHOLD),
    partSizeBytes: Number(parsed.FILEGATE_PART_SIZE),
    multipartTtlSeconds: Number(parsed.FILEGATE_MULTIPART_HOURS) * 3600,
  };
}

export * from "./operations";
