export * from "./accounts";
export * from "./intents";
export * from "./limits";
export * from "./plan";
export * from "./requests";
export * from "./service";
export * from "./standing";
export * from "./verify";
