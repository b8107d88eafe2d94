export * from "./auth";
export * from "./stack";
export * from "./state";
