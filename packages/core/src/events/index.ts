export * from "./admission";
export * from "./batch";
export * from "./commit";
export * from "./ingest";
export * from "./notification";
export * from "./plan";
