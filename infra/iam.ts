/**
 * The app's IAM rules, applied before any resource is created (sst.config.ts imports this first):
 *
 * - a link hands a function the resource's name only: SST's own links grant `s3:*` on the
 *   bucket and `dynamodb:*` on the table; here each function's role instead gets exactly the
 *   actions its declaration (`ROUTES`, `workers.ts`) lists (`access`, turned into statements by
 *   `permissionsFor` in infra/links.ts);
 * - a function's role trusts Lambda alone, except under `sst dev`.
 */

// "Modify built-in links" (sst.Linkable.wrap): the same `Resource` properties as SST's own link
// (so sst-env.d.ts and the handlers' code do not change), without the permissions.
sst.Linkable.wrap(sst.aws.Bucket, (bucket) => ({ properties: { name: bucket.name } }));
sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({ properties: { name: table.name } }));
sst.Linkable.wrap(sst.aws.Queue, (queue) => ({ properties: { url: queue.url } }));

/** The trust policy of a deployed function's role: only the Lambda service may assume it. */
export const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ],
});

// Works around a bug of SST 4.17.1: its Function tests `!dev` on a Pulumi Output, which is
// always truthy, so every role trusts the account root (which `sst dev` needs to run the
// handlers on the developer's machine with the role's permissions) in every stage. Outside
// `sst dev` the role trusts Lambda alone; under `sst dev`, SST's trust policy stays. Drop this
// once an SST release fixes `createRole` in components/aws/function.ts (the infra tests
// check the trust policy in both modes).
$transform(sst.aws.Function, (args) => {
  const live = $dev && args.dev !== false && args.live !== false;
  if (live) return;
  const role = args.transform?.role;
  args.transform = {
    ...args.transform,
    role: (roleArgs, opts, name) => {
      if (typeof role === "function") role(roleArgs, opts, name);
      else if (role) Object.assign(roleArgs, role);
      roleArgs.assumeRolePolicy = LAMBDA_TRUST_POLICY;
    },
  };
});
