import { SettingsSchema } from "../packages/core/src/config";

/**
 * Deployment settings, kept as SST secrets so each stage sets its own
 * (`npx sst secret set <Name> <value> --stage <stage>`):
 *
 * | secret | default | meaning |
 * |---|---|---|
 * | `JwtIssuer` | (required) | issuer URL of the identity provider whose JWTs the API accepts |
 * | `JwtAudiences` | (required) | accepted `aud` values, comma-separated |
 * | `TenantClaim` | `tenant` | JWT claim naming the caller's tenant |
 * | `PresignExpires` | `300` | lifetime of presigned URLs, seconds (max 900: the functions' credentials) |
 * | `TombstoneDays` | `30` | how long the index remembers a deleted file |
 * | `AuditRetentionDays` | `365` | how long audit records (grants and S3 events) are kept |
 * | `MaxObjectBytes` | `5497558138880` | default largest file a tenant may upload (5 TiB) |
 * | `QuotaBytes` | `unlimited` | default bytes a tenant may store |
 * | `QuotaObjects` | `unlimited` | default number of files a tenant may store |
 * | `ContentTypes` | any type | default allowed content types, comma-separated (`image/*,application/pdf`) |
 * | `MultipartThreshold` | `104857600` | size from which upload intents use multipart (100 MiB) |
 *
 * Every value is checked when the stage is deployed (or `sst dev` starts), so that a bad one
 * stops the deploy, named, instead of failing every function at cold start.
 */
export const jwtIssuer = new sst.Secret("JwtIssuer");
export const jwtAudiences = new sst.Secret("JwtAudiences");

/** The functions' settings: the environment variable each is read from, its secret and default. */
const SETTINGS = {
  FILEGATE_TENANT_CLAIM: ["TenantClaim", "tenant"],
  FILEGATE_PRESIGN_EXPIRES: ["PresignExpires", "300"],
  FILEGATE_TOMBSTONE_DAYS: ["TombstoneDays", "30"],
  FILEGATE_AUDIT_RETENTION_DAYS: ["AuditRetentionDays", "365"],
  FILEGATE_MAX_OBJECT_BYTES: ["MaxObjectBytes", "5497558138880"],
  FILEGATE_QUOTA_BYTES: ["QuotaBytes", "unlimited"],
  FILEGATE_QUOTA_OBJECTS: ["QuotaObjects", "unlimited"],
  FILEGATE_CONTENT_TYPES: ["ContentTypes", "*/*"],
  FILEGATE_MULTIPART_THRESHOLD: ["MultipartThreshold", "104857600"],
} as const;
type Variable = keyof typeof SETTINGS;
const secrets = Object.fromEntries(
  Object.entries(SETTINGS).map(([variable, [name, placeholder]]) => [
    variable,
    new sst.Secret(name, placeholder),
  ]),
) as Record<Variable, sst.Secret>;

/** The issuer, which API Gateway fetches the signing keys from: an https URL. */
const issuer = jwtIssuer.value.apply((value) => {
  if (!URL.canParse(value) || new URL(value).protocol !== "https:") {
    throw new Error(`JwtIssuer must be an https URL, not ${JSON.stringify(value)}`);
  }
  return value;
});

/** The accepted audiences: at least one. */
const audiences = jwtAudiences.value.apply((value) => {
  const list = value
    .split(",")
    .map((audience) => audience.trim())
    .filter(Boolean);
  if (list.length === 0) {
    throw new Error(`JwtAudiences must name at least one audience, not ${JSON.stringify(value)}`);
  }
  return list;
});

/** The JWT authorizer's settings. */
export const jwt = { issuer, audiences };

const variables = Object.keys(SETTINGS) as Variable[];

/**
 * The environment every function reads its settings from, checked by the functions' own schema
 * (packages/core/src/config): what it refuses here, they would refuse at every cold start.
 * The check runs in the last step before the function (Pulumi loses errors thrown earlier).
 */
export function environmentWith(extra: Record<string, string>) {
  return $resolve(variables.map((variable) => secrets[variable].value)).apply((values) => {
    const settings = Object.fromEntries(
      variables.map((variable, i) => [variable, values[i] ?? ""]),
    ) as Record<Variable, string>;
    const problems = variables.flatMap((variable) => {
      const value = settings[variable];
      // The functions take an empty value for the default.
      const parsed = SettingsSchema.shape[variable].safeParse(value === "" ? undefined : value);
      if (parsed.success) return [];
      const reasons = parsed.error.issues.map((issue) => issue.message).join(", ");
      return [`${SETTINGS[variable][0]} ${JSON.stringify(value)}: ${reasons}`];
    });
    if (problems.length > 0) throw new Error(`Invalid settings: ${problems.join("; ")}`);
    return { ...settings, POWERTOOLS_SERVICE_NAME: "filegate", ...extra } as Record<string, string>;
  });
}

/** The environment of a function with no variables of its own. */
export const functionEnvironment = environmentWith({});
