import * as z from "zod/mini";

/** One S3 event record, as S3 writes it into an SQS message body. */
export const S3EventRecordSchema = z.object({
  eventSource: z.literal("aws:s3"),
  awsRegion: z.string(),
  eventTime: z.iso.datetime({ offset: true }),
  eventName: z.string().check(z.minLength(1)),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(1)) }),
    object: z.object({
      /** URL-encoded, with '+' for a space. */
      key: z.string().check(z.minLength(1)),
      size: z.optional(z.int().check(z.nonnegative())),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      sequencer: z.string().check(z.minLength(1)),
    }),
  }),
  /** The requester's IP, as S3 reports it: evidence for attributing the event. */
  requestParameters: z.optional(z.object({ sourceIPAddress: z.optional(z.string()) })),
});

export type S3EventRecord = z.infer<typeof S3EventRecordSchema>;

const TestEventSchema = z.object({ Event: z.literal("s3:TestEvent") });
const NotificationSchema = z.object({
  Records: z.array(S3EventRecordSchema).check(z.minLength(1)),
});

export type Notification = { kind: "test" } | { kind: "records"; records: S3EventRecord[] };

/**
 * Parses the body of an SQS message sent by an S3 bucket notification. Throws on anything
 * else (not JSON, or records of the wrong shape): such a message fails, is retried and ends
 * in the dead-letter queue rather than being dropped.
 */
export function parseNotification(body: string): Notification {
  const json: unknown = JSON.parse(body);
  if (TestEventSchema.safeParse(json).success) return { kind: "test" };
  return { kind: "records", records: NotificationSchema.parse(json).Records };
}

/**
 * Decodes an object key from an S3 event record: form encoding, so '+' is a space and
 * everything else is percent-encoded UTF-8.
 *
 * @example decodeEventKey("tenants/acme/my+file%2B1.txt") // "tenants/acme/my file+1.txt"
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll("+", " "));
}

/**
 * The inverse of {@link decodeEventKey}: how S3 encodes a key in event records (used by
 * the local stack, whose emulator reports keys decoded).
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+");
}
