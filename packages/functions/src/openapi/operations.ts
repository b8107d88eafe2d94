/**
 * One OpenAPI operation per route of the route table (`../routes.ts`), keyed by its route key
 * (`GET /files/{key+}`): `tests/openapi.test.ts` fails for a route without its entry, or an
 * entry without its route. `null` marks the one route that is no operation (the catch-all).
 * Request and response schemas are the zod schemas the handlers use (`./schemas.ts` for answers).
 */

import { AuditParamsSchema } from "@filegate/core/audit";
import * as z from "zod/mini";
import type { Answer, Operation, Parameter } from "./operation";
import { WEBHOOK_OPERATIONS } from "./webhooks";

const wait: Parameter = {
  name: "wait",
  in: "query",
  description: "Seconds (at most 10) to wait for a new upload to be indexed before answering 404",
  schema: z.string().check(z.regex(/^\d+$/)),
};
const accept: Parameter = {
  name: "Accept",
  in: "header",
  description: "`application/json` answers 200 with the presigned request instead of a 307",
};
const redirect = (what: string): Record<number, Answer> => ({
  200: {
    description: `The presigned ${what} (with \`Accept: application/json\`)`,
    schema: "PresignedRequest",
  },
  307: {
    description: `A redirect to the presigned ${what}; follow it without the Authorization header`,
    headers: { Location: "The presigned URL", "Cache-Control": "no-store" },
  },
});
const KEY = { key: "The file's key: UTF-8, may contain `/` (validated before anything is signed)" };
const UPLOAD = { id: "The upload intent's id (`u` and 27 hex digits)" };
const AUDIT_PARAMS: Record<string, string> = {
  tenant: "Another tenant's id, or `*` for all (scope `audit:read:all`)",
  key: "One file's history",
  from: "Earliest time, ISO 8601",
  to: "Latest time, ISO 8601",
  actor: "Only this actor's records (a token's `sub`)",
  action: "`read`, `write` or `delete`",
  limit: "Records per page, 1 to 1000 (default 100)",
  cursor: "The `cursor` of the previous page",
};
const auditParams = Object.entries(AuditParamsSchema.shape).map(
  ([name, schema]): Parameter => ({
    name,
    in: "query",
    description: AUDIT_PARAMS[name] ?? name,
    schema: schema as z.ZodMiniType,
  }),
);

export const OPERATIONS: Record<string, Operation | null> = {
  "GET /files": {
    operationId: "listFiles",
    summary: "A page of the tenant's present files, in key order, from the index",
    tags: ["files"],
    parameters: [
      { name: "prefix", in: "query", description: "Only keys that start with this" },
      {
        name: "limit",
        in: "query",
        description: "Files per page, 1 to 1000 (default 100)",
        schema: z.string().check(z.regex(/^\d+$/)),
      },
      { name: "cursor", in: "query", description: "The `cursor` of the previous page" },
    ],
    responses: { 200: { description: "A page; `cursor` is null on the last", schema: "FilePage" } },
    errors: [400],
  },
  "GET /files/{key+}": {
    operationId: "getFile",
    summary: "Download: a redirect to a presigned GET of a file the tenant holds",
    tags: ["files"],
    path: KEY,
    parameters: [wait, accept],
    responses: redirect("GET"),
    errors: [400, 404],
  },
  "HEAD /files/{key+}": {
    operationId: "headFile",
    summary: "A file's size, ETag, type and modification time, from the index",
    tags: ["files"],
    path: KEY,
    parameters: [wait],
    responses: {
      200: {
        description: "The file's metadata, in headers",
        headers: {
          "Content-Length": "Size in bytes",
          "Content-Type": "The stored media type",
          ETag: "S3's ETag, quoted",
          "Last-Modified": "When S3 stored it",
        },
      },
    },
    errors: [400, 404],
  },
  "PUT /files/{key+}": {
    operationId: "putFile",
    summary: "Upload: a redirect to a presigned PUT (Content-Type and If-None-Match signed in)",
    tags: ["files"],
    path: KEY,
    parameters: [
      accept,
      { name: "Content-Type", in: "header", description: "Signed into the URL when sent" },
      {
        name: "If-None-Match",
        in: "header",
        description: "`*`: create only (412 if the key exists)",
      },
    ],
    responses: redirect("PUT"),
    errors: [400, 412, 413, 415],
  },
  "DELETE /files/{key+}": {
    operationId: "deleteFile",
    summary: "Delete: a redirect to a presigned DELETE of a file the tenant holds",
    tags: ["files"],
    path: KEY,
    parameters: [accept],
    responses: redirect("DELETE"),
    errors: [400, 404],
  },
  "GET /audit": {
    operationId: "getAudit",
    summary: "Audit records, oldest first: a file's history, or a time range",
    description: "`tenant=<id>|*` reads another tenant or all of them (scope `audit:read:all`).",
    tags: ["audit"],
    parameters: auditParams,
    responses: { 200: { description: "A page of records", schema: "AuditPage" } },
    errors: [400],
  },
  "POST /uploads": {
    operationId: "createUpload",
    summary: "An upload intent: checked against the tenant's limits, reserved, then signed",
    tags: ["uploads"],
    body: "IntentRequest",
    responses: {
      201: { description: "One presigned PUT, or a multipart plan", schema: "IntentCreated" },
    },
    errors: [400, 412, 413, 415],
  },
  "GET /uploads/{id}": {
    operationId: "getUpload",
    summary: "Where an upload stands; a pending multipart upload's stored parts",
    tags: ["uploads"],
    path: UPLOAD,
    responses: { 200: { description: "The intent", schema: "IntentView" } },
    errors: [404],
  },
  "DELETE /uploads/{id}": {
    operationId: "abortUpload",
    summary: "Abandons an upload: its parts deleted, its reservation released",
    tags: ["uploads"],
    path: UPLOAD,
    responses: { 204: { description: "Aborted (or it already was)" } },
    errors: [404, 409],
  },
  "GET /uploads/{id}/parts": {
    operationId: "signParts",
    summary: "Presigned PUTs for parts of a pending multipart upload (at most 100)",
    tags: ["uploads"],
    path: UPLOAD,
    parameters: [{ name: "numbers", in: "query", description: "Part numbers such as `1,2,5-9`" }],
    responses: { 200: { description: "The parts, signed", schema: "SignedParts" } },
    errors: [400, 404, 409],
  },
  "POST /uploads/{id}/complete": {
    operationId: "completeUpload",
    summary: "Completes a multipart upload with every part's ETag",
    tags: ["uploads"],
    path: UPLOAD,
    body: "CompleteRequest",
    responses: { 200: { description: "S3 assembled the file", schema: "CompletedUpload" } },
    errors: [400, 404, 409, 412],
  },
  "GET /usage": {
    operationId: "getUsage",
    summary: "The tenant's usage, reservations and limits",
    tags: ["tenants"],
    parameters: [
      { name: "tenant", in: "query", description: "Another tenant (scope `tenants:admin`)" },
    ],
    responses: { 200: { description: "Where the tenant stands", schema: "Usage" } },
    errors: [400],
  },
  "PUT /tenants/{tenant}/limits": {
    operationId: "putLimits",
    summary: "Sets a tenant's limits (scope `tenants:admin`); `null` is unlimited",
    tags: ["tenants"],
    path: { tenant: "The tenant's id" },
    body: "LimitsUpdate",
    responses: { 200: { description: "The effective limits", schema: "LimitsAnswer" } },
    errors: [400],
  },
  "GET /openapi.json": {
    operationId: "getOpenApi",
    summary: "This document",
    tags: ["meta"],
    public: true,
    responses: { 200: { description: "The OpenAPI 3.1 document of the API" } },
    errors: [],
  },
  "OPTIONS /{proxy+}": {
    operationId: "preflight",
    summary: "CORS preflight, answered from the API's CORS rules without a token",
    tags: ["meta"],
    public: true,
    path: { proxy: "Any path" },
    responses: {
      204: {
        description: "The CORS headers the rules allow (none for a request they do not)",
      },
    },
    errors: [],
  },
  ...WEBHOOK_OPERATIONS,
  // Not an operation: other methods on a known path answer 405 (with `Allow`), unknown paths 404.
  "ANY /{proxy+}": null,
};
