/**
 * `@filegate/uppy`: an Uppy 6 uploader on `@filegate/client`.
 *
 * @example
 * import Uppy from "@uppy/core";
 * import { Filegate } from "@filegate/uppy";
 * new Uppy().use(Filegate, { baseUrl: "http://127.0.0.1:8787", getToken: async () => token });
 */
export type { StoredPart } from "./api";
export type { UploadOutcome } from "./file-upload";
export { restrictionsFrom } from "./limits";
export { Filegate, Filegate as default, type FilegateOptions } from "./plugin";
export type { KeyValueStorage } from "./resume-store";
