/**
 * The HTTP route table: the one list of routes, used by the SST config (`infra/api.ts`) to
 * create API Gateway routes and by the local stack to dispatch requests, so the two cannot
 * drift. Pure data: importing it loads nothing else.
 */

import type { IndexName } from "@filegate/core/table";

/** Resources a function may be linked to (names of the SST components in `infra/`). */
export type LinkName = "FileBucket" | "FileIndex" | "WebhookQueue" | "WebhookDeadLetters";

/** SQS actions on a linked queue (sending is all a function does: Lambda receives for it). */
export type QueueAction = "sqs:SendMessage";

/** DynamoDB actions on the table itself (its items, through the primary key). */
export type TableAction =
  | "dynamodb:GetItem"
  | "dynamodb:Query"
  | "dynamodb:Scan"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:BatchGetItem"
  | "dynamodb:BatchWriteItem"
  | "dynamodb:TransactWriteItems";
/**
 * The IAM actions a table action is authorised as: TransactWriteItems is no IAM action, IAM
 * checks each of its parts (puts, updates, condition checks) as PutItem, UpdateItem and
 * ConditionCheckItem. Every other action is its own.
 */
export function iamActions(action: TableAction): string[] {
  if (action === "dynamodb:TransactWriteItems") {
    return ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"];
  }
  return [action];
}

/** DynamoDB actions on a global secondary index (reads only: writes go through the table). */
export type IndexAction = "dynamodb:Query" | "dynamodb:Scan";
/** S3 actions on the bucket itself: ListObjectsV2 (and a 404 rather than a 403 for a missing object). */
export type BucketAction = "s3:ListBucket";
/**
 * S3 actions on the tenants' objects (`tenants/*`). A presigned request needs the action of
 * the operation it signs, checked when it is used: GET and HEAD `s3:GetObject`, PUT (an
 * upload part too) `s3:PutObject`, DELETE `s3:DeleteObject`. Multipart: Create, UploadPart and
 * Complete `s3:PutObject`, Abort `s3:AbortMultipartUpload`, ListParts `s3:ListMultipartUploadParts`.
 */
export type ObjectAction =
  | "s3:GetObject"
  | "s3:PutObject"
  | "s3:DeleteObject"
  | "s3:AbortMultipartUpload"
  | "s3:ListMultipartUploadParts";

/**
 * What a function may do to the resources it is linked to, action by action, keyed by link
 * name: its IAM role holds exactly these (infra/access.ts) and nothing else. A link alone only
 * hands the function the resource's name (`Resource.<name>`).
 */
export interface Access {
  FileIndex?: {
    table?: readonly TableAction[];
    indexes?: { readonly [index in IndexName]?: readonly IndexAction[] };
  };
  FileBucket?: {
    bucket?: readonly BucketAction[];
    objects?: readonly ObjectAction[];
  };
  WebhookQueue?: readonly QueueAction[];
  WebhookDeadLetters?: readonly QueueAction[];
}

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

/** A function run on a schedule (an EventBridge Scheduler expression). */
export interface JobDefinition {
  handler: string;
  link: readonly LinkName[];
  access: Access;
  schedule: `rate(${string})` | `cron(${string})`;
  timeoutMinutes: number;
  memoryMB?: number;
  /** Variables of its own, beside the settings every function gets. */
  environment?: Record<string, string>;
  /** Whether the local stack runs it on its timer (default true). */
  local?: boolean;
}

/** The scheduled jobs, used by `infra/jobs.ts` (and run by the local stack). */
export const JOBS = {
  /** Expires upload intents that were never used: releases their quota, aborts multipart. */
  sweepUploads: {
    handler: "packages/functions/src/jobs/sweep-uploads.handler",
    link: ["FileIndex", "FileBucket", "WebhookQueue"],
    // Expired intents from `pending`; each one closed, its reservation released; AbortMultipartUpload.
    // `upload.expired`: the tenant's endpoints (Query), the messages queued.
    access: {
      FileIndex: {
        table: ["dynamodb:UpdateItem", "dynamodb:Query"],
        indexes: { pending: ["dynamodb:Query"] },
      },
      FileBucket: { objects: ["s3:AbortMultipartUpload"] },
      WebhookQueue: ["sqs:SendMessage"],
    },
    schedule: "rate(15 minutes)",
    timeoutMinutes: 5,
  },
  /**
   * Compares every tenant's objects with the index and repairs the index; invoke it by hand
   * for one tenant with `{"tenant": "acme"}` (docs/operations.md). The local stack runs it at
   * start rather than on this schedule.
   */
  reconciler: {
    handler: "packages/functions/src/jobs/reconcile.handler",
    link: ["FileIndex", "FileBucket"],
    // The checkpoint; tenants (Scan of `files`), each tenant's listing and usage recount
    // (`files`, `pending`); repairs as the subscriber applies events; ListObjectsV2 and
    // HeadObject (s3:ListBucket also makes a missing object 404 rather than 403).
    access: {
      FileIndex: {
        table: [
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
        ],
        indexes: { files: ["dynamodb:Query", "dynamodb:Scan"], pending: ["dynamodb:Query"] },
      },
      FileBucket: { bucket: ["s3:ListBucket"], objects: ["s3:GetObject"] },
    },
    schedule: "rate(1 hour)",
    timeoutMinutes: 15,
    memoryMB: 1024,
    environment: { FILEGATE_RECONCILE_GRACE_SECONDS: "120" },
    local: false,
  },
  /** Queues again the webhook messages the queue refused when the subscriber published them. */
  drainWebhookOutbox: {
    handler: "packages/functions/src/jobs/drain-webhook-outbox.handler",
    link: ["FileIndex", "WebhookQueue"],
    access: {
      FileIndex: { table: ["dynamodb:Query", "dynamodb:DeleteItem"] },
      WebhookQueue: ["sqs:SendMessage"],
    },
    schedule: "rate(1 minute)",
    timeoutMinutes: 5,
  },
} as const satisfies Record<string, JobDefinition>;

/** How a function's code is bundled, beyond SST's defaults (one ESM file). */
export interface Bundling {
  /**
   * Code splitting: each module the function imports dynamically (with the dependencies only
   * it uses) goes to a chunk of its own, loaded the first time it is imported rather than at
   * every cold start. ESM only.
   */
  splitting?: boolean;
}

/** The queue subscriber that keeps the index. */
export const SUBSCRIBER: {
  handler: string;
  link: readonly LinkName[];
  access: Access;
  bundle: Bundling;
} = {
  handler: "packages/functions/src/events/subscriber.handler",
  link: ["FileIndex", "FileBucket", "WebhookQueue"],
  // The code that queues webhook messages, with the SQS client, is imported on demand (only
  // an event of a tenant with endpoints needs it): split off, it is not loaded at cold start.
  bundle: { splitting: true },
  // Reads the files' states, the events' records and the tenants' limits of a batch
  // (BatchGetItem; a tenant's limits on their own, GetItem, if that read failed) and writes
  // them with the usage in one transaction (TransactWriteItems: IAM checks its puts, updates
  // and condition checks). Admits a plain PUT against the quotas, closes an upload's intent
  // and releases its reservation (UpdateItem); finds the grant behind a removal (Query).
  // HeadObject of each created object: s3:GetObject, and s3:ListBucket so that an object
  // deleted since its event answers 404 (skipped) rather than 403 (the record would fail and
  // be retried).
  // Webhooks: the tenant's endpoints (Query), the messages queued, or kept in the outbox
  // (BatchWriteItem).
  access: {
    FileIndex: {
      table: [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:TransactWriteItems",
      ],
    },
    FileBucket: { bucket: ["s3:ListBucket"], objects: ["s3:GetObject"] },
    WebhookQueue: ["sqs:SendMessage"],
  },
};

/**
 * The webhook delivery function, fed by the webhook queue: one POST per message, failures
 * queued again on the retry schedule, and the last one sent to the dead-letter queue.
 */
export const WEBHOOK_DELIVERY: {
  handler: string;
  link: readonly LinkName[];
  access: Access;
  timeoutSeconds: number;
} = {
  handler: "packages/functions/src/events/deliver-webhooks.handler",
  link: ["FileIndex", "WebhookQueue", "WebhookDeadLetters"],
  // The endpoint (GetItem), each attempt recorded (PutItem); retries and dead letters sent.
  access: {
    FileIndex: { table: ["dynamodb:GetItem", "dynamodb:PutItem"] },
    WebhookQueue: ["sqs:SendMessage"],
    WebhookDeadLetters: ["sqs:SendMessage"],
  },
  // Ten messages of at most 10 s each, sent one after the other at worst.
  timeoutSeconds: 120,
};
