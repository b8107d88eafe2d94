export * from "./admission";
export * from "./ingest";
export * from "./notification";
