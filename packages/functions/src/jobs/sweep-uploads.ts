import type { UploadService } from "@filegate/core/uploads";
import { logger } from "../lib/logger";
import { uploads } from "../lib/uploads";
import { publishExpired } from "../lib/webhook-sending";

/**
 * Expires pending upload intents past their time (scheduled; safe to run any time), and tells
 * the tenants' webhooks (`upload.expired`).
 */
export const sweepUploads =
  ({
    uploads,
    onExpired,
  }: {
    uploads: Pick<UploadService, "sweep">;
    onExpired?: Parameters<UploadService["sweep"]>[0];
  }) =>
  async () => {
    const result = await uploads.sweep(onExpired);
    logger.info("swept upload intents", result);
    return result;
  };

export const handler = sweepUploads({ uploads, onExpired: publishExpired });
