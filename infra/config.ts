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
 * | `AuditRetentionDays` | `365` | how long audit records (grants and S3 events) are kept |
 * | `MaxObjectBytes` | `5497558138880` | default largest file a tenant may upload (5 TiB) |
 * | `QuotaBytes` | `unlimited` | default bytes a tenant may store |
 * | `QuotaObjects` | `unlimited` | default number of files a tenant may store |
 * | `ContentTypes` | any type | default allowed content types, comma-separated (`image/*,application/pdf`) |
 * | `MultipartThreshold` | `104857600` | size from which upload intents use multipart (100 MiB) |
 */
export const jwtIssuer = new sst.Secret("JwtIssuer");
export const jwtAudiences = new sst.Secret("JwtAudiences");
export const tenantClaim = new sst.Secret("TenantClaim", "tenant");
export const presignExpires = new sst.Secret("PresignExpires", "300");
export const tombstoneDays = new sst.Secret("TombstoneDays", "30");
export const auditRetentionDays = new sst.Secret("AuditRetentionDays", "365");
export const maxObjectBytes = new sst.Secret("MaxObjectBytes", "5497558138880");
export const quotaBytes = new sst.Secret("QuotaBytes", "unlimited");
export const quotaObjects = new sst.Secret("QuotaObjects", "unlimited");
export const contentTypes = new sst.Secret("ContentTypes", "*/*");
export const multipartThreshold = new sst.Secret("MultipartThreshold", "104857600");

/** The environment every function reads its settings from (see packages/core/src/config). */
export const functionEnvironment = {
  FILEGATE_TENANT_CLAIM: tenantClaim.value,
  FILEGATE_PRESIGN_EXPIRES: presignExpires.value,
  FILEGATE_TOMBSTONE_DAYS: tombstoneDays.value,
  FILEGATE_AUDIT_RETENTION_DAYS: auditRetentionDays.value,
  FILEGATE_MAX_OBJECT_BYTES: maxObjectBytes.value,
  FILEGATE_QUOTA_BYTES: quotaBytes.value,
  FILEGATE_QUOTA_OBJECTS: quotaObjects.value,
  FILEGATE_CONTENT_TYPES: contentTypes.value,
  FILEGATE_MULTIPART_THRESHOLD: multipartThreshold.value,
  POWERTOOLS_SERVICE_NAME: "filegate",
};
