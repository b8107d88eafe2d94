/**
 * A tenant's account: its limits (its own, or the configured defaults), what its files use,
 * what pending uploads have reserved, and the quota checks made against them.
 */
export * from "./accounts";
export * from "./limits";
export * from "./limits-update";
export * from "./standing";
export * from "./usage";
