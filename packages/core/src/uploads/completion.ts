// One request schema per module: a route's bundle carries only the zod its own body needs.
import * as z from "zod/mini";

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
