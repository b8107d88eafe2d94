export * from "./attribution";
export * from "./grants";
export * from "./journal";
export * from "./log";
export * from "./query";
export * from "./reader";
export * from "./recorder";
export * from "./records";
