import {
  SETTINGS,
  SettingsSchema,
  type SettingVariable,
  secretOf,
} from "../packages/core/src/config";

/**
 * Deployment settings, kept as SST secrets so each stage sets its own
 * (`npx sst secret set <Name> <value> --stage <stage>`; docs/deployment.md#settings lists
 * them). The two of the JWT authorizer are required; the functions' settings are declared in
 * `packages/core/src/config/settings.ts`, and a secret each is made of that declaration, its
 * default as placeholder.
 *
 * Every value is checked when the stage is deployed (or `sst dev` starts), so that a bad one
 * stops the deploy, named, instead of failing every function at cold start.
 */
export const jwtIssuer = new sst.Secret("JwtIssuer");
export const jwtAudiences = new sst.Secret("JwtAudiences");

/** The functions' settings, by the environment variable they read each from. */
const variables = Object.values(SETTINGS).map((setting) => setting.variable);
const secrets = Object.fromEntries(
  Object.values(SETTINGS).map((setting) => [
    setting.variable,
    new sst.Secret(secretOf(setting.variable), setting.default),
  ]),
) as Record<SettingVariable, sst.Secret>;

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

/**
 * The environment every function reads its settings from, checked by the functions' own schema
 * (packages/core/src/config): what it refuses here, they would refuse at every cold start.
 * The check runs in the last step before the function (Pulumi loses errors thrown earlier).
 */
export function environmentWith(extra: Record<string, string>) {
  return $resolve(variables.map((variable) => secrets[variable].value)).apply((values) => {
    const settings = Object.fromEntries(
      variables.map((variable, i) => [variable, values[i] ?? ""]),
    ) as Record<SettingVariable, string>;
    const problems = variables.flatMap((variable) => {
      const value = settings[variable];
      // The functions take an empty value for the default.
      const parsed = SettingsSchema.shape[variable].safeParse(value === "" ? undefined : value);
      if (parsed.success) return [];
      const reasons = parsed.error.issues.map((issue) => issue.message).join(", ");
      return [`${secretOf(variable)} ${JSON.stringify(value)}: ${reasons}`];
    });
    if (problems.length > 0) throw new Error(`Invalid settings: ${problems.join("; ")}`);
    return { ...settings, POWERTOOLS_SERVICE_NAME: "filegate", ...extra } as Record<string, string>;
  });
}

/** The environment of a function with no variables of its own. */
export const functionEnvironment = environmentWith({});
