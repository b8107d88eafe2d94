export * from "./auth";
export * from "./dynamodb";
export * from "./stack";
export * from "./state";
