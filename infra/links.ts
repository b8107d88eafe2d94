import { TENANT_ROOT } from "../packages/core/src/tenancy/tenants";
import { type Access, iamActions, type LinkName } from "../packages/functions/src/access";
import { bucket, table } from "./storage";
import { webhookDeadLetters, webhookQueue } from "./webhook-queues";

/** The resources functions may be linked to, by the names the function declarations use. */
export const links: Record<LinkName, sst.aws.Bucket | sst.aws.Dynamo | sst.aws.Queue> = {
  FileBucket: bucket,
  FileIndex: table,
  WebhookQueue: webhookQueue,
  WebhookDeadLetters: webhookDeadLetters,
};

/**
 * The IAM statements of a function's role: exactly the actions its declaration (`ROUTES`, `workers.ts`) lists
 * (`access`), each on the narrowest resource it applies to — the table, one index of it, the
 * bucket, or the tenants' objects (`tenants/*`, the only keys Filegate signs or reads).
 * Links grant nothing (infra/iam.ts).
 */
export function permissionsFor(access: Access): sst.aws.FunctionPermissionArgs[] {
  const { FileIndex: index, FileBucket: files, WebhookQueue: queue } = access;
  const statements: sst.aws.FunctionPermissionArgs[] = [];
  if (index?.table?.length) {
    const actions = new Set(index.table.flatMap(iamActions));
    statements.push({ actions: [...actions], resources: [table.arn] });
  }
  for (const [name, actions] of Object.entries(index?.indexes ?? {})) {
    if (actions?.length) {
      statements.push({
        actions: [...actions],
        resources: [$interpolate`${table.arn}/index/${name}`],
      });
    }
  }
  if (files?.bucket?.length)
    statements.push({ actions: [...files.bucket], resources: [bucket.arn] });
  if (files?.objects?.length) {
    statements.push({
      actions: [...files.objects],
      resources: [$interpolate`${bucket.arn}/${TENANT_ROOT}*`],
    });
  }
  if (queue?.length) statements.push({ actions: [...queue], resources: [webhookQueue.arn] });
  const deadLetters = access.WebhookDeadLetters;
  if (deadLetters?.length) {
    statements.push({ actions: [...deadLetters], resources: [webhookDeadLetters.arn] });
  }
  return statements;
}
