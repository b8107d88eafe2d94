import { z } from "zod";
import { MAX_EXPIRES_SECONDS } from "../presign";
import { parseEnvironment } from "./env";

const positiveInt = (name: string, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .max(max, `${name} must be at most ${max}`);

/**
 * Runtime settings, read from environment variables with documented defaults:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `FILEGATE_PRESIGN_EXPIRES` | 300 | lifetime of presigned URLs, seconds (max 604800) |
 * | `FILEGATE_TENANT_CLAIM` | tenant | JWT claim that names the tenant |
 * | `FILEGATE_TOMBSTONE_DAYS` | 30 | how long a deleted file's tombstone is kept |
 * | `FILEGATE_AUDIT_RETENTION_DAYS` | 365 | how long audit records (grants, events) are kept |
 */
export const SettingsSchema = z.object({
  FILEGATE_PRESIGN_EXPIRES: positiveInt("FILEGATE_PRESIGN_EXPIRES", MAX_EXPIRES_SECONDS).default(
    300,
  ),
  FILEGATE_TENANT_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]{1,128}$/, "FILEGATE_TENANT_CLAIM must be a claim name")
    .default("tenant"),
  FILEGATE_TOMBSTONE_DAYS: positiveInt("FILEGATE_TOMBSTONE_DAYS", 3650).default(30),
  FILEGATE_AUDIT_RETENTION_DAYS: positiveInt("FILEGATE_AUDIT_RETENTION_DAYS", 36500).default(365),
});

const DAY_SECONDS = 24 * 60 * 60;

export interface Settings {
  presignExpiresSeconds: number;
  tenantClaim: string;
  tombstoneTtlSeconds: number;
  auditRetentionSeconds: number;
}

/**
 * Parses settings from an environment; throws one error naming every bad value.
 *
 * @example loadSettings({ FILEGATE_PRESIGN_EXPIRES: "60" }).presignExpiresSeconds // 60
 */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const parsed = parseEnvironment(SettingsSchema, env);
  return {
    presignExpiresSeconds: parsed.FILEGATE_PRESIGN_EXPIRES,
    tenantClaim: parsed.FILEGATE_TENANT_CLAIM,
    tombstoneTtlSeconds: parsed.FILEGATE_TOMBSTONE_DAYS * DAY_SECONDS,
    auditRetentionSeconds: parsed.FILEGATE_AUDIT_RETENTION_DAYS * DAY_SECONDS,
  };
}
export * from "./operations";
