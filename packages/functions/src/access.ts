/**
 * What a function may touch: the resources it can be linked to and, per resource, the
 * actions its IAM role is granted (`infra/links.ts` turns them into policies). Pure data.
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
