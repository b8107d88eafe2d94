// One request schema per module: a route's bundle carries only the zod its own body needs.
import * as z from "zod/mini";
import { MAX_OBJECT_BYTES } from "../config";
import { isMediaType } from "../media";

/**
 * `POST /uploads`: what the client is about to upload, and optionally how: `multipart` and
 * `partSize` (bounds checked against the size and the tenant, see `mustBeValidPartSize`).
 */
export const IntentRequestSchema = z.strictObject({
  key: z.string({ error: "key must be a string" }),
  size: z
    .number({ error: "size must be a number of bytes" })
    .check(
      z.int("size must be a whole number of bytes"),
      z.minimum(0, "size must not be negative"),
      z.maximum(MAX_OBJECT_BYTES, `size must be at most ${MAX_OBJECT_BYTES} (5 TiB)`),
    ),
  contentType: z
    .string({ error: "contentType is required" })
    .check(z.refine(isMediaType, "contentType must be a media type such as image/png")),
  sha256: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9+/]{43}=$/,
          "sha256 must be the base64 of a SHA-256 digest (44 characters)",
        ),
      ),
  ),
  multipart: z.optional(
    z.boolean({ error: "multipart must be true (upload in parts) or false (one PUT)" }),
  ),
  partSize: z.optional(
    z
      .number({ error: "partSize must be a number of bytes" })
      .check(z.int("partSize must be a whole number of bytes")),
  ),
  ifNoneMatch: z.optional(z.literal("*", { error: 'ifNoneMatch can only be "*" (create only)' })),
});
export type IntentRequest = z.infer<typeof IntentRequestSchema>;
