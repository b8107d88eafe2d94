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
