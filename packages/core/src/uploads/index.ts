export * from "./body";
export * from "./completion";
export * from "./intents";
export * from "./plan";
export * from "./requests";
export * from "./service";
export * from "./verify";
