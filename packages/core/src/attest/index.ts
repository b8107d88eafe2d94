export * from "./attestation";
export * from "./keyring";
export * from "./open";
