/**
 * The API's answers as zod schemas, for the OpenAPI document: each one has the type of what
 * its handler returns (`tests/openapi-types.test.ts` holds them to the core types), and the
 * end-to-end tests check every answer they receive against the document built from them.
 */

import { LimitsUpdateSchema } from "@filegate/core/accounts";
import { AUDIT_ACTIONS, type AuditAction } from "@filegate/core/audit";
import { ERROR_STATUS, type ErrorCode } from "@filegate/core/errors";
import { CompleteRequestSchema, IntentRequestSchema } from "@filegate/core/uploads";
import * as z from "zod/mini";
import { WEBHOOK_REQUESTS, WEBHOOK_SCHEMAS } from "./webhook-schemas";

const dateTime = () => z.string().check(z.iso.datetime({ offset: true }));
const count = () => z.int().check(z.minimum(0));

export const PresignedRequestSchema = z.object({
  url: z.string().check(z.url()),
  method: z.enum(["GET", "PUT", "DELETE", "HEAD"]),
  headers: z.record(z.string(), z.string()),
  expiresAt: dateTime(),
});

export const FileViewSchema = z.object({
  key: z.string(),
  size: count(),
  etag: z.string(),
  contentType: z.string(),
  lastModified: dateTime(),
});

export const FilePageSchema = z.object({
  items: z.array(FileViewSchema),
  cursor: z.nullable(z.string()),
});

const ConditionsSchema = z.object({
  contentType: z.optional(z.string()),
  createOnly: z.boolean(),
  size: z.optional(count()),
  sha256: z.optional(z.string()),
  intent: z.optional(z.string()),
  parts: z.optional(z.array(z.int())),
});

export const AuditRecordSchema = z.object({
  id: z.string(),
  time: dateTime(),
  tenant: z.string(),
  key: z.string(),
  kind: z.enum(["grant", "event"]),
  action: z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]]),
  actor: z.nullable(z.string()),
  requestId: z.optional(z.string()),
  sourceIp: z.optional(z.string()),
  userAgent: z.optional(z.string()),
  expiresAt: z.optional(dateTime()),
  conditions: z.optional(ConditionsSchema),
  event: z.optional(z.string()),
  size: z.optional(count()),
  etag: z.optional(z.string()),
  sequencer: z.optional(z.string()),
  stale: z.optional(z.boolean()),
  grantId: z.optional(z.string()),
  attribution: z.optional(z.enum(["metadata", "recent-grant", "ambiguous", "reconciled", "none"])),
  candidates: z.optional(z.array(z.string())),
  verdict: z.optional(z.enum(["admitted", "quarantined"])),
  reason: z.optional(z.string()),
  change: z.optional(z.enum(["created", "updated", "deleted", "quarantined"])),
  contentType: z.optional(z.string()),
  intentId: z.optional(z.string()),
});

export const AuditPageSchema = z.object({
  items: z.array(AuditRecordSchema),
  cursor: z.nullable(z.string()),
});

export const PartUrlSchema = z.object({
  ...PresignedRequestSchema.shape,
  partNumber: z.int().check(z.minimum(1), z.maximum(10_000)),
  size: count(),
});

export const StoredPartSchema = z.object({
  partNumber: z.int().check(z.minimum(1), z.maximum(10_000)),
  etag: z.string(),
  size: count(),
});

const intentBase = {
  id: z.string(),
  key: z.string(),
  size: count(),
  contentType: z.string(),
  expiresAt: dateTime(),
};

export const IntentCreatedSchema = z.discriminatedUnion("method", [
  z.object({ ...intentBase, method: z.literal("single"), upload: PresignedRequestSchema }),
  z.object({
    ...intentBase,
    method: z.literal("multipart"),
    partSize: count(),
    partCount: z.int().check(z.minimum(1), z.maximum(10_000)),
    parts: z.array(PartUrlSchema),
  }),
]);

export const IntentViewSchema = z.object({
  ...intentBase,
  method: z.enum(["single", "multipart"]),
  status: z.enum(["pending", "committed", "quarantined", "aborted", "expired", "superseded"]),
  partSize: z.optional(count()),
  partCount: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
  parts: z.optional(z.array(StoredPartSchema)),
});

export const SignedPartsSchema = z.object({ parts: z.array(PartUrlSchema) });

export const CompletedUploadSchema = z.object({
  id: z.string(),
  key: z.string(),
  size: count(),
  etag: z.string(),
});

const AmountSchema = z.object({ bytes: count(), objects: count() });

export const TenantLimitsSchema = z.object({
  maxObjectBytes: count(),
  maxBytes: z.nullable(count()),
  maxObjects: z.nullable(count()),
  allowedContentTypes: z.array(z.string()),
});

export const UsageSchema = z.object({
  tenant: z.string(),
  used: AmountSchema,
  reserved: AmountSchema,
  limits: TenantLimitsSchema,
});

export const LimitsAnswerSchema = z.object({ tenant: z.string(), limits: TenantLimitsSchema });

/** Every error a function answers: a catalogued code, a message, sometimes details. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.optional(z.record(z.string(), z.unknown())),
  }),
  requestId: z.string(),
});

/** What API Gateway answers by itself (a refused token, a body over 10 MB, a failed function). */
export const GatewayErrorSchema = z.object({ message: z.string() });

/** The schemas the document names (`#/components/schemas/<name>`). */
export const NAMED_SCHEMAS = {
  PresignedRequest: PresignedRequestSchema,
  FileView: FileViewSchema,
  FilePage: FilePageSchema,
  AuditRecord: AuditRecordSchema,
  AuditPage: AuditPageSchema,
  PartUrl: PartUrlSchema,
  StoredPart: StoredPartSchema,
  IntentCreated: IntentCreatedSchema,
  IntentView: IntentViewSchema,
  SignedParts: SignedPartsSchema,
  CompletedUpload: CompletedUploadSchema,
  TenantLimits: TenantLimitsSchema,
  Usage: UsageSchema,
  LimitsAnswer: LimitsAnswerSchema,
  ErrorBody: ErrorBodySchema,
  GatewayError: GatewayErrorSchema,
  ...WEBHOOK_SCHEMAS,
} as const;

/** Request bodies and parameter sets, as the handlers parse them. */
export const REQUEST_SCHEMAS = {
  IntentRequest: IntentRequestSchema,
  CompleteRequest: CompleteRequestSchema,
  LimitsUpdate: LimitsUpdateSchema,
  ...WEBHOOK_REQUESTS,
} as const;
