export * from "./cursor";
export * from "./repository";
