/**
 * `@filegate/client`: a typed, fetch-based client for the Filegate file API, for Node 20+ and
 * browsers. Start with {@link Filegate}.
 */
export type { UploadSource } from "./body";
export {
  type DeleteOptions,
  Filegate,
  type FilegateOptions,
  type ListOptions,
} from "./client";
export {
  AbortError,
  API_ERRORS,
  type ApiErrorCode,
  BadRequestError,
  ConflictError,
  type ErrorSource,
  errorFromApiResponse,
  errorFromStorageResponse,
  FilegateError,
  type FilegateErrorInit,
  ForbiddenError,
  isFilegateError,
  NetworkError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  ServiceUnavailableError,
  StorageError,
  TimeoutError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "./errors";
export type { DownloadOptions, FileDownload } from "./files";
export { keyPath } from "./keys";
export { Paged } from "./paging";
export type { ProgressListener, TransferProgress } from "./progress";
export type * from "./types";
export type { UploadOptions, UploadResult } from "./upload";
export type { WaitOptions } from "./wait";
export {
  verifyWebhook,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEvent,
  type WebhookEventType,
  Webhooks,
  WebhookVerificationError,
} from "./webhooks";
