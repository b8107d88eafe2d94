import * as z from "zod/mini";
import { keyringProblem } from "../attest/keyring";
import { isMediaPattern } from "../media";
import {
  MAX_OBJECT_BYTES,
  MAX_PART_BYTES,
  MAX_PRESIGN_EXPIRES_SECONDS,
  MAX_SINGLE_PUT_BYTES,
  MIN_PART_BYTES,
} from "./bounds";
import { type Declarations, setting } from "./declare";
import { wholeNumber } from "./numbers";

const MIB = 1024 * 1024;
const HOUR_SECONDS = 60 * 60;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/** A whole number from 1 to `max`. */
const upTo = (max: number, unit?: string) => (variable: string) =>
  wholeNumber(variable, 1, max, unit);
const days = (value: string) => Number(value) * DAY_SECONDS;

/** A quota: a number, or `unlimited` (read as null). */
const quota = (variable: string) =>
  z.string().check(z.regex(/^(\d+|unlimited)$/, `${variable} must be a number or unlimited`));
const readQuota = (value: string) => (value === "unlimited" ? null : Number(value));

/** The entries of a comma-separated list of media types, trimmed, lower case. */
function mediaPatterns(value: string): string[] {
  return value
    .split(",")
    .map((pattern) => pattern.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The functions' settings, each declared once: the name the functions know it by, then the
 * environment variable they (and the local stack) read it from, its default, its check and
 * what the functions make of it; its TSDoc line says what it sets. Each stage sets them as
 * SST secrets named after the variable (`secretOf`): `infra/config.ts` makes the
 * secrets (the default as placeholder) and the functions' environment of this, and checks
 * every value at deploy time with the same schema. docs/deployment.md's settings table lists
 * each one (tests/settings-docs.test.ts compares them). One error names several bad values in
 * this order.
 */
export const SETTINGS = {
  /** lifetime of presigned URLs, seconds (at most 900: see below) */
  presignExpiresSeconds: setting(
    "FILEGATE_PRESIGN_EXPIRES",
    "300",
    upTo(MAX_PRESIGN_EXPIRES_SECONDS),
    Number,
  ),
  /** JWT claim naming the caller's tenant */
  tenantClaim: setting(
    "FILEGATE_TENANT_CLAIM",
    "tenant",
    (variable) =>
      z.string().check(z.regex(/^[A-Za-z0-9_:./-]{1,128}$/, `${variable} must be a claim name`)),
    String,
  ),
  /** how long the index remembers a deleted file, days (at most 3650) */
  tombstoneTtlSeconds: setting("FILEGATE_TOMBSTONE_DAYS", "30", upTo(3650), days),
  /** how long audit records (grants and S3 events) are kept, days (at most 36500) */
  auditRetentionSeconds: setting("FILEGATE_AUDIT_RETENTION_DAYS", "365", upTo(36_500), days),
  /** default largest file a tenant may upload, bytes (at most 5 TiB, S3's limit) */
  maxObjectBytes: setting(
    "FILEGATE_MAX_OBJECT_BYTES",
    String(MAX_OBJECT_BYTES),
    upTo(MAX_OBJECT_BYTES, "bytes"),
    Number,
  ),
  /** default bytes a tenant may store: a number, or `unlimited` */
  maxBytes: setting("FILEGATE_QUOTA_BYTES", "unlimited", quota, readQuota),
  /** default number of files a tenant may store: a number, or `unlimited` */
  maxObjects: setting("FILEGATE_QUOTA_OBJECTS", "unlimited", quota, readQuota),
  /** default allowed content types, comma-separated patterns (`image/*,application/pdf`) */
  allowedContentTypes: setting(
    "FILEGATE_CONTENT_TYPES",
    "*/*",
    (variable) =>
      z.string().check(
        z.refine((value: string) => {
          const patterns = mediaPatterns(value);
          return patterns.length > 0 && patterns.every(isMediaPattern);
        }, `${variable} must be media types or patterns such as image/*, comma-separated`),
      ),
    mediaPatterns,
  ),
  /** size from which upload intents use multipart, bytes (100 MiB; at most 5 GiB) */
  multipartThresholdBytes: setting(
    "FILEGATE_MULTIPART_THRESHOLD",
    String(100 * MIB),
    upTo(MAX_SINGLE_PUT_BYTES, "bytes"),
    Number,
  ),
  /** smallest part of a multipart upload, bytes (8 MiB; 5 MiB to 5 GiB) */
  partSizeBytes: setting(
    "FILEGATE_PART_SIZE",
    String(8 * MIB),
    (variable) =>
      wholeNumber(variable, 1, MAX_PART_BYTES, "bytes").check(
        z.refine(
          (value: string) => Number(value) >= MIN_PART_BYTES,
          `${variable} must be at least ${MIN_PART_BYTES} (5 MiB)`,
        ),
      ),
    Number,
  ),
  /** how long a multipart upload may take before it is aborted, hours (at most 168) */
  multipartTtlSeconds: setting(
    "FILEGATE_MULTIPART_HOURS",
    "24",
    upTo(7 * 24),
    (value) => Number(value) * HOUR_SECONDS,
  ),
  /** MAC keys of upload attestations and cursors, `id:base64key,...` (the first signs, all verify) */
  attestationKeys: setting(
    "FILEGATE_ATTESTATION_KEYS",
    "",
    (variable) =>
      z
        .string()
        .check(
          z.refine(
            (value: string) => keyringProblem(value) === undefined,
            `${variable} must be id:base64key pairs (keys of at least 32 bytes), comma-separated`,
          ),
        ),
    String,
  ),
} satisfies Declarations;
