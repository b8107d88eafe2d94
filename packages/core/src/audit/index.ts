export * from "./grants";
export * from "./log";
export * from "./query";
export * from "./records";
