/**
 * Every call Filegate makes to S3: presigned requests (the only way bytes move), HeadObject
 * on a presigned request, the multipart operations and the bucket listing. Each takes its
 * client or presigner as an argument; only the functions build them.
 */
export * from "./describe";
export * from "./etag";
export * from "./listing";
export * from "./multipart";
export * from "./presign";
