import { loadSettings } from "@filegate/core/config";
import { createPresigner, type Presigner } from "@filegate/core/storage";
import type { LocalState } from "./state";

/** The lifetime of presigned URLs a stage gets when it sets none. */
const DEFAULT_EXPIRES_SECONDS = loadSettings({}).presignExpiresSeconds;

/** A presigner on a local stack's S3 emulator, with its credentials (for tools and tests). */
export function presignerFor(state: LocalState, expiresIn = DEFAULT_EXPIRES_SECONDS): Presigner {
  return createPresigner({
    bucket: state.bucket,
    region: state.region,
    credentials: { ...state.credentials },
    endpoint: state.s3.endpoint,
    expiresIn,
  });
}
