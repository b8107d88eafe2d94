export * from "./cursor";
export * from "./lookup";
export * from "./repository";
export * from "./state";
export * from "./wait";
