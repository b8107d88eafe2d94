import { TABLE } from "../packages/core/src/table/model";
import { BUCKET_CORS, type CorsMethod } from "../packages/functions/src/edge";

/** The methods S3's CORS rules accept. */
const S3_CORS_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"] as const;
type S3CorsMethod = (typeof S3_CORS_METHODS)[number];

/** `methods` as S3 takes them; a method S3 has no CORS for stops the deploy, named. */
function s3CorsMethods(methods: readonly CorsMethod[]): S3CorsMethod[] {
  return methods.map((method) => {
    const known = S3_CORS_METHODS.find((s3Method) => s3Method === method);
    if (!known) throw new Error(`BUCKET_CORS allows ${method}, which S3's CORS rules do not take`);
    return known;
  });
}

/** The objects themselves. Private; clients only ever reach it through presigned URLs. */
export const bucket = new sst.aws.Bucket("FileBucket", {
  // The rules the local stack applies too (packages/functions/src/edge.ts).
  cors: {
    allowOrigins: [...BUCKET_CORS.allowOrigins],
    allowMethods: s3CorsMethods(BUCKET_CORS.allowMethods),
    allowHeaders: [...BUCKET_CORS.allowHeaders],
    exposeHeaders: [...BUCKET_CORS.exposeHeaders],
    maxAge: `${BUCKET_CORS.maxAgeSeconds} seconds`,
  },
  // A bucket policy denies every request that does not use TLS (SST's default, kept explicit).
  enforceHttps: true,
  // Parts of multipart uploads that were never completed or aborted cost storage: S3 drops
  // them after three days (the sweeper aborts expired upload intents sooner).
  lifecycle: [{ id: "abort-incomplete-multipart-uploads" }],
  transform: {
    lifecycle: (args) => {
      args.rules = [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: 3 },
        },
      ];
    },
  },
});

/** The metadata index: the single table declared in packages/core/src/table/model.ts. */
export const table = new sst.aws.Dynamo("FileIndex", {
  fields: { ...TABLE.fields },
  primaryIndex: { ...TABLE.primaryIndex },
  globalIndexes: Object.fromEntries(
    Object.entries(TABLE.globalIndexes).map(([name, index]) => [name, { ...index }]),
  ),
  ttl: TABLE.ttl,
  transform: {
    table: (args) => {
      args.pointInTimeRecovery = { enabled: $app.stage === "production" };
    },
  },
});
