import * as z from "zod/mini";
import { MAX_OBJECT_BYTES } from "../config";
import { Errors } from "../errors";
import { isMediaPattern, isMediaType } from "./limits";

/** A change of a tenant's limits, as an operator sends it (omitted fields stay as they are). */
export const LimitsUpdateSchema = z.strictObject({
  maxObjectBytes: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_OBJECT_BYTES))),
  maxBytes: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  maxObjects: z.optional(z.nullable(z.int().check(z.minimum(0)))),
  allowedContentTypes: z.optional(
    z
      .array(
        z
          .pipe(
            z.string(),
            z.transform((value) => value.toLowerCase()),
          )
          .check(
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

/** `POST /uploads`: what the client is about to upload. */
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
  ifNoneMatch: z.optional(z.literal("*", { error: 'ifNoneMatch can only be "*" (create only)' })),
});
export type IntentRequest = z.infer<typeof IntentRequestSchema>;

/** `POST /uploads/{id}/complete`: the ETag S3 returned for each part. */
export const CompleteRequestSchema = z.strictObject({
  parts: z
    .array(
      z.strictObject({
        partNumber: z.int().check(z.minimum(1), z.maximum(10_000)),
        etag: z.string().check(z.minLength(1), z.maxLength(200)),
      }),
    )
    .check(z.minLength(1), z.maxLength(10_000)),
});
export type CompleteRequest = z.infer<typeof CompleteRequestSchema>;

/** Parses a JSON request body against a schema; 400 with every problem otherwise. */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: string | undefined): T {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    throw Errors.badRequest("The request body must be JSON");
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw Errors.badRequest(
      result.error.issues
        .map((issue) =>
          issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
        )
        .join("; "),
    );
  }
  return result.data;
}
