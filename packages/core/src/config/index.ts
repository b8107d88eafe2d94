// zod's tree-shakable build: a handler bundle carries only the schemas it uses (see
// docs/performance.md); the classic `zod` import would add about 80 KB to each one.
import * as z from "zod/mini";
import { MAX_EXPIRES_SECONDS } from "../presign";

const positiveInt = (name: string, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .check(
      z.int(`${name} must be a whole number`),
      z.minimum(1, `${name} must be at least 1`),
      z.maximum(max, `${name} must be at most ${max}`),
    );

/**
 * Runtime settings, read from environment variables with documented defaults:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `FILEGATE_PRESIGN_EXPIRES` | 300 | lifetime of presigned URLs, seconds (max 604800) |
 * | `FILEGATE_TENANT_CLAIM` | tenant | JWT claim that names the tenant |
 * | `FILEGATE_TOMBSTONE_DAYS` | 30 | how long a deleted file's tombstone is kept |
 */
export const SettingsSchema = z.object({
  FILEGATE_PRESIGN_EXPIRES: z._default(
    positiveInt("FILEGATE_PRESIGN_EXPIRES", MAX_EXPIRES_SECONDS),
    300,
  ),
  FILEGATE_TENANT_CLAIM: z._default(
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9_:./-]{1,128}$/, "FILEGATE_TENANT_CLAIM must be a claim name")),
    "tenant",
  ),
  FILEGATE_TOMBSTONE_DAYS: z._default(positiveInt("FILEGATE_TOMBSTONE_DAYS", 3650), 30),
});

export interface Settings {
  presignExpiresSeconds: number;
  tenantClaim: string;
  tombstoneTtlSeconds: number;
}

/**
 * Parses settings from an environment; throws one error naming every bad value.
 *
 * @example loadSettings({ FILEGATE_PRESIGN_EXPIRES: "60" }).presignExpiresSeconds // 60
 */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith("FILEGATE_") && value !== ""),
  );
  const result = SettingsSchema.safeParse(defined);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => issue.message).join("; ");
    throw new Error(`Invalid Filegate configuration: ${problems}`);
  }
  const parsed = result.data;
  return {
    presignExpiresSeconds: parsed.FILEGATE_PRESIGN_EXPIRES,
    tenantClaim: parsed.FILEGATE_TENANT_CLAIM,
    tombstoneTtlSeconds: parsed.FILEGATE_TOMBSTONE_DAYS * 24 * 60 * 60,
  };
}
