import type { Usage } from "@filegate/client";
import type { Restrictions } from "@uppy/core";

/**
 * Uppy restrictions from a tenant's limits and usage (`GET /usage`): the largest object, the
 * allowed media types, and what is left of the byte and object quotas. Files that would be
 * refused by the API are then refused as they are added, with Uppy's own messages.
 *
 * @example restrictionsFrom(usage) // { maxFileSize: 5368709120, allowedFileTypes: ["image/*"], ... }
 */
export function restrictionsFrom(usage: Usage): Partial<Restrictions> {
  const { limits, used, reserved } = usage;
  const types = limits.allowedContentTypes;
  return {
    maxFileSize: limits.maxObjectBytes,
    allowedFileTypes: types.length === 0 || types.includes("*/*") ? null : [...types],
    maxTotalFileSize:
      limits.maxBytes === null ? null : Math.max(0, limits.maxBytes - used.bytes - reserved.bytes),
    maxNumberOfFiles:
      limits.maxObjects === null
        ? null
        : Math.max(0, limits.maxObjects - used.objects - reserved.objects),
  };
}
