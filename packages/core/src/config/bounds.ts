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
