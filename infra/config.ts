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
 * | `PresignExpires` | `300` | lifetime of presigned URLs, seconds (max 604800) |
 * | `TombstoneDays` | `30` | how long the index remembers a deleted file |
 *
 * Every value is checked when the stage is deployed (or `sst dev` starts), so that a bad one
 * stops the deploy, named, instead of failing every function at cold start.
 */
export const jwtIssuer = new sst.Secret("JwtIssuer");
export const jwtAudiences = new sst.Secret("JwtAudiences");
export const tenantClaim = new sst.Secret("TenantClaim", "tenant");
export const presignExpires = new sst.Secret("PresignExpires", "300");
export const tombstoneDays = new sst.Secret("TombstoneDays", "30");

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

/** The secret each of the functions' settings comes from. */
const SECRETS = {
  FILEGATE_TENANT_CLAIM: "TenantClaim",
  FILEGATE_PRESIGN_EXPIRES: "PresignExpires",
  FILEGATE_TOMBSTONE_DAYS: "TombstoneDays",
} as const;

/**
 * The environment every function reads its settings from, checked by the functions' own schema
 * (packages/core/src/config): what it refuses here, they would refuse at every cold start.
 */
export const functionEnvironment = $resolve([
  tenantClaim.value,
  presignExpires.value,
  tombstoneDays.value,
]).apply(([claim, expires, days]) => {
  const settings = {
    FILEGATE_TENANT_CLAIM: claim,
    FILEGATE_PRESIGN_EXPIRES: expires,
    FILEGATE_TOMBSTONE_DAYS: days,
  };
  const variables = Object.keys(SECRETS) as (keyof typeof SECRETS)[];
  const problems = variables.flatMap((variable) => {
    const value = settings[variable];
    // The functions take an empty value for the default.
    const parsed = SettingsSchema.shape[variable].safeParse(value === "" ? undefined : value);
    if (parsed.success) return [];
    const reasons = parsed.error.issues.map((issue) => issue.message).join(", ");
    return [`${SECRETS[variable]} ${JSON.stringify(value)}: ${reasons}`];
  });
  if (problems.length > 0) throw new Error(`Invalid settings: ${problems.join("; ")}`);
  return { ...settings, POWERTOOLS_SERVICE_NAME: "filegate" };
});
