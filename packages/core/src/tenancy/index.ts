export * from "./keys";
export * from "./tenants";
