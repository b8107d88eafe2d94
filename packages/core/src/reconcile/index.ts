export * from "./checkpoint";
export * from "./reconcile";
export * from "./repair";
