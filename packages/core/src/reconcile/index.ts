export * from "./checkpoint";
export * from "./objects";
export * from "./reconcile";
export * from "./repair";
