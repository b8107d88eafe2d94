import { TABLE } from "@filegate/core/table";
import type { Access } from "@filegate/functions/access";
import { ROUTES } from "@filegate/functions/routes";
import { JOBS, SUBSCRIBER, WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT } from "../../scripts/sst/mock/aws";
import {
  appFunctions,
  asList,
  type Deployment,
  declaredGrants,
  grants,
  type IamStatement,
  inlineStatements,
  mockDeployment,
  statementsOf,
} from "./deployment";

/**
 * Who may do what, as `sst deploy --stage dev` would set it up (run here under Pulumi's
 * mocks): each function's role holds exactly the actions its route table entry declares and
 * trusts Lambda alone, no statement allows a wildcard, only S3 may send to the queue, and the
 * bucket refuses plain HTTP and public access. Whether AWS then allows every call the code
 * makes is IAM's evaluation, which no mock performs (docs/deployment.md).
 */
let app: Deployment;
beforeAll(async () => {
  app = await mockDeployment({ stage: "dev", bundle: false });
}, 180_000);
afterAll(() => app?.dispose());

const FUNCTIONS = appFunctions(() => app);
const ROLE = "aws:iam/role:Role";
const arns = () => ({
  bucket: app.arnOf("aws:s3/bucket:Bucket"),
  table: app.arnOf("aws:dynamodb/table:Table"),
  webhookQueue: String(app.queue("WebhookQueue").state?.arn),
  webhookDeadLetters: String(app.queue("WebhookDeadLetters").state?.arn),
});

/** What SST's queue subscription gives the subscriber to poll the queue (not in the route table). */
const QUEUE_POLLING = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];

/** A trust policy's one statement: the Lambda service, and nobody else, may assume the role. */
const LAMBDA_ONLY = [
  {
    Effect: "Allow",
    Principal: { Service: "lambda.amazonaws.com" },
    Action: "sts:AssumeRole",
  },
];

/** Every statement of every policy the app writes: roles' inline policies, queue and bucket policies. */
function everyStatement(): { where: string; statement: IamStatement }[] {
  const fromRoles = app
    .all(ROLE)
    .flatMap((role) =>
      inlineStatements(role).map((statement) => ({ where: `role ${role.name}`, statement })),
    );
  const fromPolicies = [
    ...app.all("aws:sqs/queuePolicy:QueuePolicy"),
    ...app.all("aws:s3/bucketPolicy:BucketPolicy"),
    ...app.all("aws:sns/topicPolicy:TopicPolicy"),
  ].flatMap((policy) =>
    statementsOf(policy.inputs.policy).map((statement) => ({ where: policy.name, statement })),
  );
  return [...fromRoles, ...fromPolicies];
}

describe.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))("%s", (_, fn) => {
  it("declares access only to resources it is linked to", () => {
    for (const name of Object.keys(fn.access)) expect(fn.link).toContain(name);
  });

  it("has a role holding exactly the actions its route table entry declares, action by action", () => {
    const statements = app.policyStatements(fn.target());
    const polled =
      fn.handler === SUBSCRIBER.handler
        ? "FileEvents"
        : fn.handler === WEBHOOK_DELIVERY.handler
          ? "WebhookQueue"
          : undefined;
    const queue = polled
      ? QUEUE_POLLING.map((action) => `Allow ${action} ${app.queue(polled).state?.arn}`)
      : [];
    expect(statements.flatMap(grants).sort()).toEqual(
      [...declaredGrants(fn.access, arns()), ...queue].sort(),
    );
    for (const statement of statements) expect(statement.Condition).toBeUndefined();
  });

  it("has a role that only Lambda may assume, and AWS's basic logging policy", () => {
    const target = fn.target();
    const role = app.role(target);
    expect(statementsOf(role.inputs.assumeRolePolicy)).toEqual(LAMBDA_ONLY);
    expect(role.inputs.managedPolicyArns).toEqual([
      "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ]);
    expect(app.lambda(target).inputs.role).toBe(role.state?.arn);
  });
});

describe("the declarations", () => {
  const declarations: [string, Access][] = [
    ...ROUTES.map((route) => [`${route.method} ${route.path}`, route.access] as [string, Access]),
    ["subscriber", SUBSCRIBER.access],
    ["webhook delivery", WEBHOOK_DELIVERY.access],
    ...Object.entries(JOBS).map(([name, job]) => [name, job.access as Access] as [string, Access]),
  ];

  it.each(declarations)("%s names only the table's indexes, and no action twice", (_, access) => {
    for (const index of Object.keys(access.FileIndex?.indexes ?? {})) {
      expect(Object.keys(TABLE.globalIndexes)).toContain(index);
    }
    const lists = [
      access.FileIndex?.table,
      ...Object.values(access.FileIndex?.indexes ?? {}),
      access.FileBucket?.bucket,
      access.FileBucket?.objects,
    ];
    for (const list of lists) expect(new Set(list).size).toBe(list?.length ?? 0);
  });
});

describe("the app as a whole", () => {
  it("allows no wildcard action (s3:*, dynamodb:*, *) and no resource * anywhere", () => {
    const allowed = everyStatement().filter(({ statement }) => statement.Effect === "Allow");
    expect(allowed.length).toBeGreaterThan(0);
    for (const { where, statement } of allowed) {
      for (const action of asList(statement.Action)) expect(action, where).not.toContain("*");
      for (const resource of asList(statement.Resource)) expect(resource, where).not.toBe("*");
    }
  });

  it("links hand a function the bucket's and the table's names, and no permission", () => {
    for (const name of ["FileBucket", "FileIndex"]) {
      expect(app.run.links[name]?.properties).toEqual({
        name: expect.any(String),
        type: name === "FileBucket" ? "sst.aws.Bucket" : "sst.aws.Dynamo",
      });
      expect(app.run.links[name]?.include ?? []).toEqual([]);
    }
  });

  it("no role trusts an account (the root included) outside sst dev", () => {
    for (const role of app.all(ROLE)) {
      for (const statement of statementsOf(role.inputs.assumeRolePolicy)) {
        expect(statement.Principal, role.name).not.toHaveProperty("AWS");
        expect(Object.keys(statement.Principal ?? {}), role.name).toEqual(["Service"]);
      }
    }
  });
});

describe("the events queue", () => {
  it("accepts messages from S3 alone, for this bucket of this account", () => {
    const queue = app.queue("FileEvents");
    // One queue policy in the app: the dead-letter queue takes messages from SQS's redrive only.
    const [policy, ...others] = app.all("aws:sqs/queuePolicy:QueuePolicy");
    expect(others).toEqual([]);
    expect(policy?.inputs.queueUrl).toBe(queue.id);
    expect(statementsOf(policy?.inputs.policy)).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.state?.arn,
        Condition: {
          ArnEquals: { "aws:SourceArn": arns().bucket },
          StringEquals: { "aws:SourceAccount": ACCOUNT },
        },
      },
    ]);
  });
});

describe("the bucket", () => {
  const bucket = () => app.one("aws:s3/bucket:Bucket");

  it("refuses every request that does not use TLS", () => {
    const policy = app.one("aws:s3/bucketPolicy:BucketPolicy");
    expect(policy.inputs.bucket).toBe(bucket().id);
    const { bucket: arn } = arns();
    expect(statementsOf(policy.inputs.policy)).toContainEqual({
      Effect: "Deny",
      Principal: expect.anything(),
      Action: "s3:*",
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // The principal is everyone (the provider's `"*"`, as SST asks for it).
    const asked = app.run.calls.filter(
      (call) =>
        call.token === "aws:iam/getPolicyDocument:getPolicyDocument" &&
        JSON.stringify(call.inputs).includes("aws:SecureTransport") &&
        // The web console's asset bucket asks for its own.
        JSON.stringify(call.inputs).includes(arn),
    );
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked[0]?.inputs)).toContain(
      '"principals":[{"identifiers":["*"],"type":"*"}]',
    );
  });

  it("blocks public access with all four flags", () => {
    const block = app.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(block.inputs).toEqual({
      bucket: bucket().id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });
});
