/**
 * The functions that are not HTTP routes: the scheduled jobs (`infra/jobs.ts`), the queue
 * subscriber that keeps the index (`infra/events.ts`) and the webhook delivery function
 * (`infra/webhooks.ts`); the local stack runs the same ones. Pure data, like the route table.
 */

import type { Access, LinkName } from "./access";

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
