/**
 * Limits of presigned URLs, in a module of their own: the settings (and through them the SST
 * config, which validates settings at deploy time) need them without the AWS SDK.
 */

/** SigV4 refuses presigned URLs that live longer than a week. */
export const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;
