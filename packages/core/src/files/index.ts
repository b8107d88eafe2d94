export * from "./cursor";
export * from "./lookup";
export * from "./merge";
export * from "./repository";
export * from "./state";
export * from "./wait";
