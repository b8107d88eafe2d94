// One request schema per module: a route's bundle carries only the zod its own body needs.
import * as z from "zod/mini";
import { MAX_OBJECT_BYTES } from "../config";
import { isMediaPattern } from "../media";

/** A change of a tenant's limits, as an operator sends it (omitted fields stay as they are). */
export const LimitsUpdateSchema = z.strictObject({
  maxObjectBytes: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_OBJECT_BYTES))),
  maxBytes: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  maxObjects: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  allowedContentTypes: z.optional(
    z
      .array(
        z
          .string()
          .check(
            z.toLowerCase(),
            z.refine(
              isMediaPattern,
              "allowedContentTypes must be media types or patterns such as image/*",
            ),
          ),
      )
      .check(z.minLength(1), z.maxLength(100)),
  ),
});
export type LimitsUpdate = z.infer<typeof LimitsUpdateSchema>;
