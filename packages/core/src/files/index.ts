export * from "./cursor";
export * from "./repository";
export * from "./wait";
