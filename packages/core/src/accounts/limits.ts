import { Errors } from "../errors";
import { contentTypeAllowed } from "../media";

/** What a tenant may upload and store. `null` means unlimited. */
export interface TenantLimits {
  maxObjectBytes: number;
  maxBytes: number | null;
  maxObjects: number | null;
  /** Media types or patterns (`image/*`, `*` + `/*`), lower case. */
  allowedContentTypes: string[];
}

/** Refuses what a tenant's limits forbid: 413 over the largest file, 415 for a type not allowed. */
export function mustFitLimits(
  limits: TenantLimits,
  size: number | undefined,
  contentType: string | undefined,
): void {
  if (size !== undefined && size > limits.maxObjectBytes) {
    throw Errors.tooLarge(
      `The file is larger than this tenant's limit of ${limits.maxObjectBytes} bytes`,
      {
        limit: limits.maxObjectBytes,
        requested: size,
      },
    );
  }
  if (contentType !== undefined && !contentTypeAllowed(contentType, limits.allowedContentTypes)) {
    throw Errors.unsupportedMediaType(
      `Content type ${contentType} is not allowed for this tenant`,
      {
        allowed: limits.allowedContentTypes,
      },
    );
  }
}
