/**
 * The local S3: s3rver (`@20minutes/s3rver`, pinned at 5.0.0, the one emulator on npm that
 * verifies SigV4 signatures and signed headers) made as strict as a bucket with Block Public
 * Access. Two parts:
 *
 * - `patches/@20minutes+s3rver+5.0.0.patch` (patch-package, applied by `postinstall`) changes
 *   how s3rver answers requests, where the change belongs to a request handler:
 *   - a request with no signature (no Authorization header, no presigned-URL parameters) gets
 *     403 AccessDenied, website endpoint included; only CORS preflights and form uploads
 *     (POST Object, whose policy and signature travel in the form) get further, and a form
 *     upload is kept only if its policy is signed by a known key, unexpired, and every
 *     condition holds (`lib/signature/post-policy.js`);
 *   - CORS is evaluated as S3 does (`lib/middleware/cors.js`): preflights need the origin,
 *     method and every requested header of one rule; other requests get CORS headers only
 *     with an Origin the rules allow; `*` never comes with credentials;
 *   - event records carry the store's sequencer; deletes, copies and multipart completions
 *     report what the store did; conditional headers and digests go to the store;
 *   - bucket-level requests are signed over `/bucket/`; paginated listings resume after the
 *     key or common prefix a page ended on (AES tokens, not DES: no legacy OpenSSL needed);
 *   - AbortMultipartUpload exists, and unknown upload ids answer NoSuchUpload;
 *   - the store can be replaced (`store` option).
 * - `S3FileStore` (`store.ts`) replaces s3rver's filesystem store, whose flaws are in its
 *   layout itself (a key is a path: `..` escapes, a long segment overflows a file name,
 *   concurrent overwrites splice): one file per object named by the hash of its key, written
 *   aside and renamed under a per-key lock, listed from a sorted index.
 *
 * Why patch rather than put a proxy in front: the signature checks, the event records and the
 * store are inside s3rver; a proxy could refuse requests but not store keys safely, write
 * atomically or number events, and it would verify signatures a second time. No other npm
 * emulator verifies SigV4.
 */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { BUCKET_CORS, type CorsRules } from "@filegate/functions/edge";
import { S3FileStore } from "./store";

const require = createRequire(import.meta.url);

/** One record of an S3 event notification as the emulator emits it (keys not encoded). */
export interface EmulatorEventRecord {
  eventName: string;
  eventTime: string;
  awsRegion: string;
  s3: {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
  [field: string]: unknown;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: "event", listener: (event: { Records: EmulatorEventRecord[] }) => void): void;
}

/** The credentials the emulator accepts (its built-in account). */
export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** S3's CORS configuration document for a set of rules (what `PutBucketCors` takes). */
export function corsXml(rules: CorsRules): string {
  const lines = [
    ...rules.allowOrigins.map((origin) => `<AllowedOrigin>${origin}</AllowedOrigin>`),
    ...rules.allowMethods.map((method) => `<AllowedMethod>${method}</AllowedMethod>`),
    ...rules.allowHeaders.map((header) => `<AllowedHeader>${header}</AllowedHeader>`),
    ...rules.exposeHeaders.map((header) => `<ExposeHeader>${header}</ExposeHeader>`),
    `<MaxAgeSeconds>${rules.maxAgeSeconds}</MaxAgeSeconds>`,
  ];
  return `<CORSConfiguration><CORSRule>${lines.join("")}</CORSRule></CORSConfiguration>`;
}

export interface S3Emulator {
  endpoint: string;
  onEvent(listener: (record: EmulatorEventRecord) => void): void;
  stop(): Promise<void>;
}

/**
 * Starts the S3 emulator (see this file's TSDoc) on loopback, with the bucket and its CORS
 * rules in place. Objects are kept in `directory`.
 */
export async function startS3(options: {
  port: number;
  directory: string;
  bucket: string;
  /** The bucket's CORS rules (default: the deployment's, `BUCKET_CORS`). */
  cors?: CorsRules;
}): Promise<S3Emulator> {
  const S3rver = require("@20minutes/s3rver") as new (options: object) => S3rverInstance;
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port,
    directory: options.directory,
    silent: true,
    vhostBuckets: false,
    store: new S3FileStore(options.directory),
    configureBuckets: [{ name: options.bucket, configs: [corsXml(options.cors ?? BUCKET_CORS)] }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    onEvent(listener) {
      server.on("event", (event) => {
        for (const record of event.Records) listener(record);
      });
    },
    stop: () => server.close(),
  };
}
