export * from "./auth";
export * from "./bridge";
export * from "./dynamodb";
export * from "./presigner";
export * from "./reconcile";
export * from "./redrive";
export * from "./stack";
export * from "./state";
