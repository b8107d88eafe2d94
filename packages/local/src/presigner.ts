import { createPresigner, type Presigner } from "@filegate/core/storage";
import type { LocalState } from "./state";

/** A presigner on a local stack's S3 emulator, with its credentials (for tools and tests). */
export function presignerFor(state: LocalState, expiresIn = 300): Presigner {
  return createPresigner({
    bucket: state.bucket,
    region: state.region,
    credentials: { ...state.credentials },
    endpoint: state.s3.endpoint,
    expiresIn,
  });
}
