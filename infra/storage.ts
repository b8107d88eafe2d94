import { TABLE } from "../packages/core/src/table";

/** The objects themselves. Private; clients only ever reach it through presigned URLs. */
export const bucket = new sst.aws.Bucket("FileBucket", {
  cors: {
    allowOrigins: ["*"],
    allowMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"],
    allowHeaders: ["*"],
    // Browsers need the ETag of each part to complete a multipart upload.
    exposeHeaders: ["ETag"],
    maxAge: "1 hour",
  },
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

/** The metadata index: the single table declared in packages/core/src/table. */
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
