export * from "./ingest";
export * from "./notification";
export * from "./s3";
