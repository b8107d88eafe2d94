/**
 * The HTTP route table: the one list of routes, used by the SST config (`infra/api.ts`) to
 * create API Gateway routes and by the local stack to dispatch requests, so the two cannot
 * drift. Pure data: importing it loads nothing else.
 */

import type { Access, LinkName } from "./access";

export interface RouteDefinition {
  /** An API Gateway route key method; `ANY` catches the methods no other route serves. */
  method: "GET" | "HEAD" | "PUT" | "PATCH" | "DELETE" | "POST" | "OPTIONS" | "ANY";
  /** An API Gateway path template (`{name}` or greedy `{name+}` parameters). */
  path: string;
  /** Handler, relative to the repository root, as SST wants it: `<file without .ts>.<export>`. */
  handler: string;
  /** The resources this handler reads or writes, and nothing else. */
  link: readonly LinkName[];
  /** What it does to them: the only permissions its role gets. */
  access: Access;
  /** Whether the handler reads the request body (the local stack buffers it only then). */
  body?: boolean;
  /** Function timeout in seconds (default 10); reads that may wait (`?wait=`) get more. */
  timeoutSeconds?: number;
  /**
   * Who may call it: `jwt` (the default) only callers whose bearer token the JWT authorizer
   * verified; `none` anyone: only CORS preflights (they never carry a token) and the OpenAPI
   * document, which reach no resource.
   */
  auth?: "jwt" | "none";
}

const http = (file: string) => `packages/functions/src/http/${file}.handler`;

const BOTH: readonly LinkName[] = ["FileIndex", "FileBucket"];
const INDEX_AND_QUEUE: readonly LinkName[] = ["FileIndex", "WebhookQueue"];
const INDEX: readonly LinkName[] = ["FileIndex"];

/** A tenant's webhook endpoints (`core/webhooks`): each in the tenant's partition. */
const WEBHOOK_ROUTES: readonly RouteDefinition[] = [
  {
    method: "POST",
    path: "/webhooks",
    handler: http("create-webhook"),
    link: INDEX,
    // The tenant's endpoints counted (Query), the new one written.
    access: { FileIndex: { table: ["dynamodb:Query", "dynamodb:PutItem"] } },
    body: true,
  },
  {
    method: "GET",
    path: "/webhooks",
    handler: http("list-webhooks"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:Query"] } },
  },
  {
    method: "GET",
    path: "/webhooks/{id}",
    handler: http("get-webhook"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:GetItem"] } },
  },
  {
    method: "PATCH",
    path: "/webhooks/{id}",
    handler: http("update-webhook"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:UpdateItem"] } },
    body: true,
  },
  {
    method: "DELETE",
    path: "/webhooks/{id}",
    handler: http("delete-webhook"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:DeleteItem"] } },
  },
  {
    method: "POST",
    path: "/webhooks/{id}/rotate-secret",
    handler: http("rotate-webhook-secret"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:GetItem", "dynamodb:UpdateItem"] } },
  },
  {
    method: "GET",
    path: "/webhooks/{id}/deliveries",
    handler: http("list-webhook-deliveries"),
    link: INDEX,
    // The endpoint (GetItem), one Query per shard of its attempts.
    access: { FileIndex: { table: ["dynamodb:GetItem", "dynamodb:Query"] } },
  },
  {
    method: "POST",
    path: "/webhooks/{id}/replay",
    handler: http("replay-webhook"),
    link: INDEX_AND_QUEUE,
    // The endpoint; the tenant's audit records of the range (`tenantLog`); the messages queued.
    access: {
      FileIndex: { table: ["dynamodb:GetItem"], indexes: { tenantLog: ["dynamodb:Query"] } },
      WebhookQueue: ["sqs:SendMessage"],
    },
    body: true,
    timeoutSeconds: 30,
  },
];

/*
 * Each `access` lists the calls its handler's code makes, through the core code it uses:
 * docs/deployment.md (Permissions) says which call each core function makes.
 */
export const ROUTES: readonly RouteDefinition[] = [
  {
    method: "GET",
    path: "/files",
    handler: http("list-files"),
    link: INDEX,
    access: { FileIndex: { indexes: { files: ["dynamodb:Query"] } } },
  },
  {
    method: "GET",
    path: "/files/{key+}",
    handler: http("get-file"),
    link: BOTH,
    // The ownership check and the grant's audit record; the presigned GET.
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:PutItem"] },
      FileBucket: { objects: ["s3:GetObject"] },
    },
    timeoutSeconds: 15,
  },
  {
    method: "HEAD",
    path: "/files/{key+}",
    handler: http("head-file"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:GetItem"] } },
    timeoutSeconds: 15,
  },
  {
    method: "PUT",
    path: "/files/{key+}",
    handler: http("put-file"),
    link: BOTH,
    // The ownership check, the tenant's standing, the grant's record; the presigned PUT.
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"] },
      FileBucket: { objects: ["s3:PutObject"] },
    },
  },
  {
    method: "DELETE",
    path: "/files/{key+}",
    handler: http("delete-file"),
    link: BOTH,
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:PutItem"] },
      FileBucket: { objects: ["s3:DeleteObject"] },
    },
  },
  {
    method: "GET",
    path: "/audit",
    handler: http("get-audit"),
    link: INDEX,
    access: {
      FileIndex: {
        table: ["dynamodb:Query"],
        indexes: { tenantLog: ["dynamodb:Query"], allLog: ["dynamodb:Query"] },
      },
    },
  },
  {
    method: "POST",
    path: "/uploads",
    handler: http("create-upload"),
    link: BOTH,
    // Limits and the create-only check, the reservation (and its release on failure), the
    // intent, the grant's record; CreateMultipartUpload and the presigned PUT or parts.
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] },
      FileBucket: { objects: ["s3:PutObject"] },
    },
    body: true,
  },
  {
    method: "GET",
    path: "/uploads/{id}",
    handler: http("get-upload"),
    link: BOTH,
    // The intent; ListParts of a pending multipart upload.
    access: {
      FileIndex: { table: ["dynamodb:GetItem"] },
      FileBucket: { objects: ["s3:ListMultipartUploadParts"] },
    },
  },
  {
    method: "DELETE",
    path: "/uploads/{id}",
    handler: http("abort-upload"),
    link: BOTH,
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:UpdateItem"] },
      FileBucket: { objects: ["s3:AbortMultipartUpload"] },
    },
  },
  {
    method: "GET",
    path: "/uploads/{id}/parts",
    handler: http("sign-parts"),
    link: BOTH,
    access: {
      FileIndex: { table: ["dynamodb:GetItem", "dynamodb:PutItem"] },
      FileBucket: { objects: ["s3:PutObject"] },
    },
  },
  {
    method: "POST",
    path: "/uploads/{id}/complete",
    handler: http("complete-upload"),
    link: BOTH,
    // CompleteMultipartUpload is s3:PutObject.
    access: {
      FileIndex: { table: ["dynamodb:GetItem"] },
      FileBucket: { objects: ["s3:PutObject"] },
    },
    body: true,
  },
  {
    method: "GET",
    path: "/usage",
    handler: http("get-usage"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:Query"] } },
  },
  {
    method: "PUT",
    path: "/tenants/{tenant}/limits",
    handler: http("put-limits"),
    link: INDEX,
    access: { FileIndex: { table: ["dynamodb:GetItem", "dynamodb:UpdateItem"] } },
    body: true,
  },
  ...WEBHOOK_ROUTES,
  // The API's OpenAPI document: public, so tools can read it before they hold a token.
  {
    method: "GET",
    path: "/openapi.json",
    handler: http("openapi"),
    link: [],
    access: {},
    auth: "none",
  },
  // Browsers' CORS preflights carry no token: they must not reach the catch-all's authorizer.
  {
    method: "OPTIONS",
    path: "/{proxy+}",
    handler: http("preflight"),
    link: [],
    access: {},
    auth: "none",
  },
  // Everything else: 405 with Allow on a known path, 404 on an unknown one.
  { method: "ANY", path: "/{proxy+}", handler: http("no-route"), link: [], access: {} },
];

/**
 * The parameters of `path` under a route template (`{name}` is one segment, a trailing
 * `{name+}` the rest of the path), or `undefined` when it does not match.
 *
 * @example matchPath("/uploads/{id}/parts", "/uploads/u1/parts") // { id: "u1" }
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names = template.split("/");
  const values = path.split("/");
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const greedy = /^\{(\w+)\+\}$/.exec(name);
    if (greedy) {
      // A greedy parameter takes the rest, even empty: the handler says why that is wrong.
      if (values.length <= i) return undefined;
      params[greedy[1] as string] = values.slice(i).join("/");
      return params;
    }
    const value = values[i];
    if (value === undefined) return undefined;
    const single = /^\{(\w+)\}$/.exec(name);
    if (single) {
      if (value === "") return undefined;
      params[single[1] as string] = value;
    } else if (name !== value) {
      return undefined;
    }
  }
  return names.length === values.length ? params : undefined;
}

/** The methods served on a concrete `path`, for `Allow` headers; empty for an unknown path. */
export function allowedMethods(path: string): string[] {
  return ROUTES.filter(
    (route) => route.method !== "ANY" && route.method !== "OPTIONS" && matchPath(route.path, path),
  ).map((route) => route.method);
}
