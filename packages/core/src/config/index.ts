import { readerOf, schemaOf } from "./declare";
import { SETTINGS } from "./settings";

export * from "./bounds";
export { type Setting, secretOf } from "./declare";
export * from "./operations";
export { SETTINGS } from "./settings";
export * from "./webhooks";

/**
 * The schema of the functions' environment, derived from {@link SETTINGS}: each `FILEGATE_*`
 * variable checked as the string it is, or its default. `infra/config.ts` checks a stage's
 * secrets with it at deploy time.
 */
export const SettingsSchema = schemaOf(SETTINGS);
const readSettings = readerOf(SETTINGS, SettingsSchema);

/** The environment variable of a setting. */
export type SettingVariable = keyof typeof SettingsSchema.shape;

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
  /** The attestation keyring's setting value (`id:base64key,...`), parsed by `parseKeyring`. */
  attestationKeys: string;
}

/**
 * Parses settings from an environment (each as {@link SETTINGS} declares it; docs/deployment.md
 * lists them); throws one error naming every bad value.
 *
 * @example loadSettings({ FILEGATE_PRESIGN_EXPIRES: "60" }).presignExpiresSeconds // 60
 */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const { maxObjectBytes, maxBytes, maxObjects, allowedContentTypes, ...settings } =
    readSettings(env);
  return {
    ...settings,
    defaultLimits: { maxObjectBytes, maxBytes, maxObjects, allowedContentTypes },
  };
}
