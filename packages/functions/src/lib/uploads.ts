import { s3ObjectStorage } from "@filegate/core/storage";
import { UploadService } from "@filegate/core/uploads";
import { Resource } from "sst";
import { accounts } from "./accounts";
import { auditLog } from "./audit-log";
import { fileIndex } from "./file-index";
import { intents } from "./intents";
import { keyring } from "./keyring";
import { presigner } from "./presigner";
import { s3 } from "./s3";
import { settings } from "./settings";

/** Upload intents, multipart uploads and quotas. */
export const uploads = new UploadService({
  intents,
  accounts,
  files: fileIndex,
  presigner,
  audit: auditLog,
  keyring,
  storage: s3ObjectStorage(s3, Resource.FileBucket.name),
  settings,
});
