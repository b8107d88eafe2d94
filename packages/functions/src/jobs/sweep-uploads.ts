import type { UploadService } from "@filegate/core/uploads";
import { logger } from "../lib/logger";
import { uploads } from "../lib/uploads";

/** Expires pending upload intents past their time (scheduled; safe to run any time). */
export const sweepUploads =
  ({ uploads }: { uploads: Pick<UploadService, "sweep"> }) =>
  async () => {
    const result = await uploads.sweep();
    logger.info("swept upload intents", result);
    return result;
  };

export const handler = sweepUploads({ uploads });
