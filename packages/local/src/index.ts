export * from "./auth";
export { type QueuedMessage, toSqsRecord } from "./bridge";
export * from "./dynamodb";
export * from "./stack";
export * from "./state";
