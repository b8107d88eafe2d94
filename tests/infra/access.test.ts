import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { FileIndex } from "@filegate/core/files";
import type { Presigner } from "@filegate/core/storage";
import { fileStateKey, pendingKeys, uploadKey } from "@filegate/core/table";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import type { Access } from "@filegate/functions/access";
import { ROUTES } from "@filegate/functions/routes";
import { JOBS, SUBSCRIBER, WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import { type LocalStack, lambdaContext } from "@filegate/local";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Record } from "../helpers/events";
import { documentClientFor, startInProcessStack } from "../helpers/in-process";
import { ROOT } from "../helpers/stack";
import { exerciseWebhooks, sqsGrant } from "./access-webhooks";

/**
 * The other half of least privilege: the actions each function's role holds (declared in the
 * route table, checked against the roles by iam.test.ts) are the actions its code uses. Every
 * handler runs here, in the local stack's process against its real emulators, one invocation
 * at a time through the paths that reach storage; the clients the handlers share record each
 * call (an SDK middleware; presigned requests where they are signed, as the action S3 will
 * check when the URL is used) with the function it was made for. Each function must have
 * used exactly what it declares: a call it does not declare would be AccessDenied on AWS, a
 * declared action it never uses is a permission too many.
 */
const MIB = 1024 * 1024;
const TENANT = "acme";

let stack: LocalStack;
/** The function an invocation runs for: calls made outside one (the stack's own) are not counted. */
const running = new AsyncLocalStorage<string>();
const used = new Map<string, Set<string>>();

function record(grant: string) {
  const fn = running.getStore();
  if (!fn) return;
  if (!used.has(fn)) used.set(fn, new Set());
  used.get(fn)?.add(grant);
}

/** The IAM action (and what it applies to) each S3 client command needs. */
const S3_COMMANDS: Record<string, string> = {
  CreateMultipartUploadCommand: "s3:PutObject objects",
  UploadPartCommand: "s3:PutObject objects",
  CompleteMultipartUploadCommand: "s3:PutObject objects",
  AbortMultipartUploadCommand: "s3:AbortMultipartUpload objects",
  ListPartsCommand: "s3:ListMultipartUploadParts objects",
  ListObjectsV2Command: "s3:ListBucket bucket",
  HeadObjectCommand: "s3:GetObject objects",
  GetObjectCommand: "s3:GetObject objects",
  PutObjectCommand: "s3:PutObject objects",
  DeleteObjectCommand: "s3:DeleteObject objects",
};

/**
 * What a presigned request needs of its signer. A HEAD is how the subscriber and the
 * reconciler learn that an object is gone: S3 answers 404 only to a signer that also holds
 * s3:ListBucket (403 otherwise, and the record would fail).
 */
const PRESIGNED: Record<string, string[]> = {
  GET: ["s3:GetObject objects"],
  HEAD: ["s3:GetObject objects", "s3:ListBucket bucket"],
  PUT: ["s3:PutObject objects"],
  DELETE: ["s3:DeleteObject objects"],
};

/** A declaration as the same `action target` lines. */
function declared(access: Access): string[] {
  return [
    ...(access.FileIndex?.table ?? []).map((action) => `${action} table`),
    ...Object.entries(access.FileIndex?.indexes ?? {}).flatMap(([index, actions]) =>
      (actions ?? []).map((action) => `${action} index/${index}`),
    ),
    ...(access.FileBucket?.bucket ?? []).map((action) => `${action} bucket`),
    ...(access.FileBucket?.objects ?? []).map((action) => `${action} objects`),
    ...(access.WebhookQueue ?? []).map((action) => `${action} WebhookQueue`),
    ...(access.WebhookDeadLetters ?? []).map((action) => `${action} WebhookDeadLetters`),
  ].sort();
}

type Handler = (event: unknown, context?: Context) => Promise<unknown>;
async function handlerOf(spec: string): Promise<Handler> {
  const dot = spec.lastIndexOf(".");
  const module = await import(join(ROOT, `${spec.slice(0, dot)}.ts`));
  return module[spec.slice(dot + 1)] as Handler;
}

interface HttpAnswer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Invokes a route's handler with an API Gateway event, as that route's function. */
async function call(
  routeKey: string,
  request: {
    path?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: unknown;
    scope?: string;
  } = {},
): Promise<HttpAnswer & { json: Record<string, unknown> }> {
  const route = ROUTES.find((r) => `${r.method} ${r.path}` === routeKey);
  if (!route) throw new Error(`no route ${routeKey}`);
  const handler = await handlerOf(route.handler);
  const rawPath = route.path.replace(/\{(\w+)\+?\}/g, (_, name) => request.path?.[name] ?? "");
  const event = {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(request.query).toString(),
    headers: { accept: "application/json", ...request.headers },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.path ? { pathParameters: request.path } : {}),
    ...(request.body === undefined
      ? {}
      : { body: JSON.stringify(request.body), isBase64Encoded: false }),
    requestContext: {
      requestId: randomUUID(),
      http: {
        method: route.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "access-test",
      },
      authorizer: {
        jwt: {
          claims: {
            sub: "alice",
            tenant: TENANT,
            ...(request.scope ? { scope: request.scope } : {}),
          },
          scopes: null,
        },
      },
    },
  };
  const answer = (await running.run(routeKey, () =>
    handler(event, lambdaContext(routeKey)),
  )) as HttpAnswer;
  if (answer.statusCode >= 400) {
    throw new Error(`${routeKey} answered ${answer.statusCode}: ${answer.body}`);
  }
  return { ...answer, json: answer.body ? JSON.parse(answer.body) : {} };
}

type Signed = { url: string; method: string; headers: Record<string, string> };
/** The presigned request of a route's JSON answer (`Accept: application/json`). */
const signed = (answer: { json: Record<string, unknown> }) => answer.json as unknown as Signed;
/** Uses a presigned request as a client would (not counted: S3 checks the signer). */
async function use(signed: Signed, body?: Uint8Array | string) {
  const response = await fetch(signed.url, {
    method: signed.method,
    headers: signed.headers,
    ...(body === undefined ? {} : { body: new Blob([body]) }),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return response;
}

/** Runs a job's or the subscriber's handler as that function. */
async function invoke(name: string, spec: string, event: unknown, context: Context) {
  const handler = await handlerOf(spec);
  return running.run(name, () => handler(event, context));
}

beforeAll(async () => {
  process.env.FILEGATE_MULTIPART_THRESHOLD = String(6 * MIB);
  process.env.FILEGATE_PART_SIZE = String(5 * MIB);
  // The reconciler admits objects at once (on AWS it leaves the last two minutes to events).
  stack = await startInProcessStack({ jobIntervalMs: 0, reconcileGraceSeconds: 0 });
  await stack.reconciled;

  // The shared clients and presigner of every handler (the stack has loaded these modules).
  const lib = (file: string) => import(join(ROOT, "packages/functions/src/lib", file));
  const { dynamo } = await lib("dynamo.ts");
  const { s3 } = await lib("s3.ts");
  const { presigner } = (await lib("presigner.ts")) as { presigner: Presigner };
  dynamo.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) =>
      async (args: { input: { IndexName?: string } }) => {
        const action = `dynamodb:${context.commandName.replace(/Command$/, "")}`;
        record(`${action} ${args.input.IndexName ? `index/${args.input.IndexName}` : "table"}`);
        return next(args);
      },
    { step: "initialize", name: "recordAccess" },
  );
  s3.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) =>
      async (args: unknown) => {
        record(S3_COMMANDS[context.commandName] ?? `unknown S3 command ${context.commandName}`);
        return next(args);
      },
    { step: "initialize", name: "recordAccess" },
  );
  const { sqs } = await lib("webhook-queue.ts");
  sqs.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) =>
      async (args: { input: { QueueUrl?: string } }) => {
        record(sqsGrant(context.commandName, args.input.QueueUrl));
        return next(args);
      },
    { step: "initialize", name: "recordAccess" },
  );
  const presign = presigner.presign.bind(presigner);
  presigner.presign = async (input) => {
    for (const grant of PRESIGNED[input.method] ?? [`unknown method ${input.method}`])
      record(grant);
    return presign(input);
  };

  await exercise();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** Every function through the paths that reach storage; asserts only what the flow needs. */
async function exercise() {
  const idle = () => stack.bridge.idle();
  const table = documentClientFor(stack.state);
  const objectKey = (key: string) => `tenants/${TENANT}/${key}`;
  const webhooks = await exerciseWebhooks(call, invoke, table, stack.state.table);

  // Files: a create-only upload, reads, listing (also waiting for one not there yet), history.
  const put = await call("PUT /files/{key+}", {
    path: { key: "docs/a.txt" },
    headers: { "content-type": "text/plain", "if-none-match": "*" },
  });
  await use(signed(put), "hello");
  await idle();
  await use(signed(await call("GET /files/{key+}", { path: { key: "docs/a.txt" } })));
  await call("HEAD /files/{key+}", { path: { key: "docs/a.txt" } });
  await call("GET /files", { query: { prefix: "docs/" } });
  await call("GET /audit", { query: { key: "docs/a.txt" } });
  await call("GET /audit");
  await call("GET /audit", { query: { tenant: "*" }, scope: "audit:read:all" });
  await call("GET /usage");
  const admin = "tenants:admin";
  const limits = { path: { tenant: TENANT }, scope: admin };
  await call("PUT /tenants/{tenant}/limits", { ...limits, body: { maxObjects: 1000 } });
  await call("PUT /tenants/{tenant}/limits", { ...limits, body: {} });

  // Upload intents: one single PUT, one multipart completed, one multipart abandoned.
  const single = await call("POST /uploads", {
    body: { key: "docs/b.txt", size: 5, contentType: "text/plain", ifNoneMatch: "*" },
  });
  await use(single.json.upload as Signed, "12345");
  const big = await call("POST /uploads", {
    body: { key: "big.bin", size: 6 * MIB, contentType: "application/octet-stream" },
  });
  const id = String(big.json.id);
  const { parts } = (await call("GET /uploads/{id}/parts", { path: { id } })).json as {
    parts: (Signed & { partNumber: number; size: number })[];
  };
  const etags = [];
  for (const part of parts) {
    const response = await use(part, new Uint8Array(part.size));
    etags.push({ partNumber: part.partNumber, etag: String(response.headers.get("etag")) });
  }
  await call("POST /uploads/{id}/complete", { path: { id }, body: { parts: etags } });
  await idle();
  await call("GET /uploads/{id}", { path: { id } });
  const abandoned = await call("POST /uploads", {
    body: { key: "c.bin", size: 6 * MIB, contentType: "application/octet-stream" },
  });
  // A pending multipart upload's status lists its parts (ListParts), for resuming.
  await call("GET /uploads/{id}", { path: { id: String(abandoned.json.id) } });
  await call("DELETE /uploads/{id}", { path: { id: String(abandoned.json.id) } });

  // A delete.
  await use(signed(await call("DELETE /files/{key+}", { path: { key: "docs/a.txt" } })));
  await idle();

  // Preflights and unknown routes reach nothing.
  for (const spec of ["OPTIONS /{proxy+}", "ANY /{proxy+}"]) {
    const route = ROUTES.find((r) => `${r.method} ${r.path}` === spec);
    const handler = await handlerOf(String(route?.handler));
    const event = {
      headers: { origin: "https://app.example.com", "access-control-request-method": "PUT" },
      requestContext: {
        requestId: randomUUID(),
        http: { method: "OPTIONS", path: "/nowhere" },
        authorizer: { jwt: { claims: { sub: "alice", tenant: TENANT } } },
      },
    };
    await running.run(spec, () => handler(event));
  }

  // The subscriber, on events as S3 sends them: a new version of an uploaded file, the same
  // event again, a removal, and a created object that is already gone.
  const sqs = (...records: ReturnType<typeof s3Record>[]) => ({
    Records: records.map((s3) => ({
      messageId: randomUUID(),
      receiptHandle: "r",
      body: JSON.stringify({ Records: [s3] }),
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
      awsRegion: "us-east-1",
    })),
  });
  const event = (key: string, sequencer: string, eventName?: string) =>
    s3Record({
      bucket: stack.state.bucket,
      objectKey: objectKey(key),
      sequencer,
      size: 5,
      ...(eventName ? { eventName } : {}),
    });
  const created = event("docs/b.txt", "FFFFFFFFFFFFFFFF01");
  const answer = await invoke(
    "subscriber",
    SUBSCRIBER.handler,
    sqs(created, created, event("docs/b.txt", "FFFFFFFFFFFFFFFF02", "ObjectRemoved:Delete"), {
      ...event("docs/never.txt", "FFFFFFFFFFFFFFFF01"),
    }),
    lambdaContext("subscriber"),
  );
  expect(answer).toEqual({ batchItemFailures: [] });

  // The sweeper, on an intent whose time has passed.
  const late = await call("POST /uploads", {
    body: { key: "late.bin", size: 6 * MIB, contentType: "application/octet-stream" },
  });
  const lateId = String(late.json.id);
  const past = new Date(Date.now() - 60_000).toISOString();
  await table.send(
    new UpdateCommand({
      TableName: stack.state.table,
      Key: uploadKey(lateId),
      UpdateExpression: "SET gsi4pk = :pk, gsi4sk = :sk, intentExpiresAt = :at",
      ExpressionAttributeValues: {
        ":pk": pendingKeys(lateId, past).gsi4pk,
        ":sk": pendingKeys(lateId, past).gsi4sk,
        ":at": past,
      },
    }),
  );
  const swept = await invoke(
    "sweepUploads",
    JOBS.sweepUploads.handler,
    {},
    lambdaContext("sweepUploads"),
  );
  expect(swept).toEqual({ expired: 1 });

  // The reconciler, after drift: an object the index lost, a file whose object is gone.
  await table.send(
    new DeleteCommand({ TableName: stack.state.table, Key: fileStateKey(TENANT, "big.bin") }),
  );
  await new FileIndex({
    client: table,
    tableName: stack.state.table,
    tombstoneTtlSeconds: 60,
  }).restorePresent(
    {
      tenant: TENANT as TenantId,
      key: "ghost.txt" as FileKey,
      size: 1,
      etag: "0123",
      contentType: "text/plain",
      lastModified: new Date().toISOString(),
    },
    undefined,
  );
  const fifteenMinutes = {
    ...lambdaContext("reconciler"),
    getRemainingTimeInMillis: () => 900_000,
  };
  const summary = (await invoke("reconciler", JOBS.reconciler.handler, {}, fifteenMinutes)) as {
    fixed: { added: number; tombstoned: number };
    complete: boolean;
  };
  expect(summary.complete).toBe(true);
  expect(summary.fixed.added).toBeGreaterThanOrEqual(1);
  expect(summary.fixed.tombstoned).toBe(1);

  await webhooks.finish(TENANT);
}

const FUNCTIONS: [string, Access][] = [
  ...ROUTES.map((route) => [`${route.method} ${route.path}`, route.access] as [string, Access]),
  ["subscriber", SUBSCRIBER.access],
  ["webhook delivery", WEBHOOK_DELIVERY.access],
  ...Object.entries(JOBS).map(([name, job]) => [name, job.access as Access] as [string, Access]),
];

/**
 * Actions only a failure uses, which this run does not provoke: the subscriber keeps webhook
 * messages in the outbox (BatchWriteItem) when SQS refuses them (tests/webhook-outbox.test.ts), and
 * reads a tenant's limits on their own (GetItem) when the batch's BatchGetItem failed
 * (packages/core/src/accounts/standing.test.ts).
 */
const FAILURE_ONLY: Record<string, string[]> = {
  subscriber: ["dynamodb:BatchWriteItem table", "dynamodb:GetItem table"],
};

describe("each function's code", () => {
  it.each(FUNCTIONS)("%s uses exactly the actions it declares", (name, access) => {
    const unshown = FAILURE_ONLY[name] ?? [];
    expect(declared(access)).toEqual(expect.arrayContaining(unshown));
    expect([...(used.get(name) ?? [])].sort()).toEqual(
      declared(access).filter((grant) => !unshown.includes(grant)),
    );
  });
});
