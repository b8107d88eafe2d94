export * from "./cursor";
export * from "./lookup";
export * from "./merge";
export * from "./repository";
export * from "./usage";
export * from "./wait";
