/**
 * What the cold-start suite measures: one target per handler module of the route table (and
 * the subscriber), each with the floor module that answers its event and the answer that
 * proves it was served.
 */

import { BENCH } from "../lib/environment";
import { type HttpEvent, httpEvent, sqsBatch } from "../lib/events";
import { FIXED_OBJECT } from "../lib/servers";

/** The file the routes read. */
export const KEY = "docs/2026/Q4 report (final).pdf";
/** The tenant whose limits the operator's route sets. */
const OTHER_TENANT = "globex";
/** The object of the subscriber's events. */
export const INGESTED = `tenants/${BENCH.tenant}/cold/ingested.pdf`;

/** A module measured at cold start: its route, its floor and the event both answer. */
export interface Target {
  /** The label of its figures and ratios. */
  name: string;
  /** The floor module (bench/cold/<floor>.ts) that answers the same event. */
  floor: string;
  /** The event of one cold start. */
  event: () => unknown;
  /** The answer that proves the event was served, not failed fast. */
  answered: (result: RunResult) => boolean;
}

/** What bench/cold/runner.ts reports of one cold start. */
export interface RunResult {
  bootMs: number;
  importMs: number;
  answerMs: number;
  totalMs: number;
  cpuMs: number;
  statusCode: number | null;
  failures: number | null;
}

let sequencer = BigInt(Date.now()) << 16n;
let hookTenants = 0;
const http = (event: HttpEvent) => () => event;
const status = (code: number) => (result: RunResult) => result.statusCode === code;

/** An event for an upload that does not exist (the routes answer 404 after their lookup). */
function uploadEvent(method: string, route: string, tail: string, body?: unknown) {
  const id = "u0123456789abcdef0123456789a";
  return httpEvent({
    method,
    route,
    path: `/uploads/${id}${tail}`,
    pathParameters: { id },
    ...(body === undefined ? {} : { body }),
  });
}

/** A route of one webhook endpoint, asked about an id the tenant does not have. */
function webhookTarget(
  name: string,
  method: string,
  tail: string,
  floor: string,
  body?: unknown,
): Record<string, Target> {
  const id = "wh_0123456789abcdef01234567";
  return {
    [name]: {
      name: `${method} /webhooks/{id}${tail}`,
      floor,
      event: http(
        httpEvent({
          method,
          route: `/webhooks/{id}${tail}`,
          path: `/webhooks/${id}${tail}`,
          pathParameters: { id },
          ...(body === undefined ? {} : { body }),
        }),
      ),
      answered: status(404),
    },
  };
}

/** One per handler module of the route table (and the subscriber), each with its floor. */
export const TARGETS: Record<string, Target> = {
  "get-file": {
    name: "GET /files/{key+}",
    floor: "floor-presign",
    event: http(httpEvent({ method: "GET", route: "/files/{key+}", key: KEY })),
    answered: status(307),
  },
  "put-file": {
    name: "PUT /files/{key+}",
    floor: "floor-presign",
    event: http(
      httpEvent({
        method: "PUT",
        route: "/files/{key+}",
        key: KEY,
        headers: { "content-type": "application/pdf" },
      }),
    ),
    answered: status(307),
  },
  "delete-file": {
    name: "DELETE /files/{key+}",
    floor: "floor-presign",
    event: http(httpEvent({ method: "DELETE", route: "/files/{key+}", key: KEY })),
    answered: status(307),
  },
  "head-file": {
    name: "HEAD /files/{key+}",
    floor: "floor-lookup",
    event: http(httpEvent({ method: "HEAD", route: "/files/{key+}", key: KEY })),
    answered: status(200),
  },
  "list-files": {
    name: "GET /files",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/files" })),
    answered: status(200),
  },
  "no-route": {
    name: "405 (ANY)",
    floor: "floor-none",
    event: http(httpEvent({ method: "POST", route: "/{proxy+}" })),
    answered: status(405),
  },
  preflight: {
    name: "OPTIONS (CORS preflight)",
    floor: "floor-none",
    event: http(
      httpEvent({
        method: "OPTIONS",
        route: "/{proxy+}",
        headers: { origin: "https://app.example.com", "access-control-request-method": "PUT" },
      }),
    ),
    answered: status(204),
  },
  openapi: {
    name: "GET /openapi.json",
    floor: "floor-none",
    event: http(httpEvent({ method: "GET", route: "/openapi.json", path: "/openapi.json" })),
    answered: status(200),
  },
  "get-audit": {
    name: "GET /audit",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/audit", path: "/audit" })),
    answered: status(200),
  },
  "get-usage": {
    name: "GET /usage",
    floor: "floor-lookup",
    event: http(httpEvent({ method: "GET", route: "/usage", path: "/usage" })),
    answered: status(200),
  },
  "put-limits": {
    name: "PUT /tenants/{tenant}/limits",
    floor: "floor-lookup",
    event: http(
      httpEvent({
        method: "PUT",
        route: "/tenants/{tenant}/limits",
        // Another tenant's: a file quota on the tenant the other routes serve would change
        // their path (PUT /files looks the file up under one) from the round it first ran.
        path: `/tenants/${OTHER_TENANT}/limits`,
        pathParameters: { tenant: OTHER_TENANT },
        body: { maxObjects: 1_000_000 },
        scope: "tenants:admin",
      }),
    ),
    answered: status(200),
  },
  // The webhook routes: a listing, a creation, and each route of one endpoint asked about
  // an id the tenant does not have (404 after its read).
  "list-webhooks": {
    name: "GET /webhooks",
    floor: "floor-query",
    event: http(httpEvent({ method: "GET", route: "/webhooks", path: "/webhooks" })),
    answered: status(200),
  },
  "create-webhook": {
    name: "POST /webhooks",
    floor: "floor-lookup",
    // A tenant of its own each time: a tenant has at most 20 endpoints, and the subscriber's
    // tenant must have none (with endpoints, its events would queue messages).
    event: () =>
      httpEvent({
        method: "POST",
        route: "/webhooks",
        path: "/webhooks",
        tenant: `hooks-${++hookTenants}`,
        // A public address: no name to resolve, nothing private to refuse (nothing is sent).
        body: { url: "https://8.8.8.8/hooks" },
      }),
    // Its floor answers the read it makes in place of the write with 200.
    answered: (result) => result.statusCode === 201 || result.statusCode === 200,
  },
  ...webhookTarget("get-webhook", "GET", "", "floor-lookup"),
  ...webhookTarget("update-webhook", "PATCH", "", "floor-lookup", { enabled: false }),
  ...webhookTarget("delete-webhook", "DELETE", "", "floor-lookup"),
  ...webhookTarget("rotate-webhook-secret", "POST", "/rotate-secret", "floor-lookup"),
  ...webhookTarget("list-webhook-deliveries", "GET", "/deliveries", "floor-lookup"),
  ...webhookTarget("replay-webhook", "POST", "/replay", "floor-lookup", {
    from: new Date(Date.now() - 3_600_000).toISOString(),
  }),
  "create-upload": {
    name: "POST /uploads",
    floor: "floor-storage",
    event: http(
      httpEvent({
        method: "POST",
        route: "/uploads",
        path: "/uploads",
        body: { key: "cold/upload.bin", size: 1024, contentType: "application/octet-stream" },
      }),
    ),
    answered: status(201),
  },
  "get-upload": {
    name: "GET /uploads/{id}",
    // A pending multipart upload's parts come from S3 (ListParts): the S3 client's floor.
    floor: "floor-storage",
    event: http(uploadEvent("GET", "/uploads/{id}", "")),
    answered: status(404),
  },
  "abort-upload": {
    name: "DELETE /uploads/{id}",
    floor: "floor-storage",
    event: http(uploadEvent("DELETE", "/uploads/{id}", "")),
    answered: status(404),
  },
  "sign-parts": {
    name: "GET /uploads/{id}/parts",
    floor: "floor-storage",
    event: http(uploadEvent("GET", "/uploads/{id}/parts", "/parts")),
    answered: status(404),
  },
  "complete-upload": {
    name: "POST /uploads/{id}/complete",
    floor: "floor-storage",
    event: http(
      uploadEvent("POST", "/uploads/{id}/complete", "/complete", {
        parts: [{ partNumber: 1, etag: '"abc"' }],
      }),
    ),
    answered: status(404),
  },
  subscriber: {
    name: "queue subscriber",
    floor: "floor-ingest",
    event: () => {
      sequencer++;
      return sqsBatch([
        {
          // Not the file the routes read: an upload made with the write grant the seed
          // holds (the stand-in S3 names it), admitted; each event reports another size, so
          // that each moves the tenant's usage.
          objectKey: INGESTED,
          sequencer: sequencer.toString(16).toUpperCase(),
          size: FIXED_OBJECT.size + Number(sequencer % 2n),
          etag: FIXED_OBJECT.etag,
        },
      ]);
    },
    answered: (result) => result.failures === 0,
  },
};
