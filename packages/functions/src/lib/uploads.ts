import { UploadService } from "@filegate/core/uploads";
import { accounts } from "./accounts";
import { auditLog } from "./audit-log";
import { fileIndex } from "./file-index";
import { intents } from "./intents";
import { keyring } from "./keyring";
import { presigner } from "./presigner";
import { settings } from "./settings";
import { storage } from "./storage";

/** Upload intents, multipart uploads and quotas. */
export const uploads = new UploadService({
  intents,
  accounts,
  files: fileIndex,
  presigner,
  audit: auditLog,
  keyring,
  storage,
  settings,
});
