export * from "./model";
export * from "./repository";
