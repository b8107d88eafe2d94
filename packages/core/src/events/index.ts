export * from "./ingest";
export * from "./notification";
