import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { BUCKET_CORS, type CorsRules } from "@filegate/functions/edge";

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
 * Starts the S3 emulator (s3rver, which verifies SigV4 signatures and signed headers) on
 * loopback, with the bucket and its CORS rules in place. Objects are kept in `directory`.
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
