/**
 * The SST app run offline under Pulumi's mocks (scripts/sst/mock-run.ts, in a child process:
 * Pulumi's runtime is global to a process), and queries over what it recorded. Physical names
 * carry random suffixes, so resources are found by type and by how they are wired together.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Access, iamActions } from "@filegate/functions/access";
import { ROUTES } from "@filegate/functions/routes";
import { JOBS, SUBSCRIBER, WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import type { HandlerTarget, MockRun, RecordedResource } from "../../scripts/sst/mock/types";
import { run } from "../helpers/stack";

/** The secrets a stage needs at the least (`sst secret set`). */
export const REQUIRED_SECRETS = {
  JwtIssuer: "https://issuer.example.com/",
  JwtAudiences: "filegate-api",
};

export interface MockRunRequest {
  stage: string;
  mode?: "deploy" | "dev";
  secrets?: Record<string, string>;
  /** Bundle every handler as a deploy does (default), or only check their modules. */
  bundle?: boolean;
}

export interface MockRunResult {
  code: number | null;
  stderr: string;
  run?: MockRun;
}

/**
 * Runs the app in a folder of its own (runs may go on side by side); resolves with the
 * recording, or with SST's message when the run fails.
 */
async function runIn(dir: string, request: MockRunRequest): Promise<MockRunResult> {
  const out = join(dir, "run.json");
  const secrets = Object.entries(request.secrets ?? REQUIRED_SECRETS).flatMap(([name, value]) => [
    "--secret",
    `${name}=${value}`,
  ]);
  const args = [
    ...["--import", "tsx", "scripts/sst/mock-run.ts"],
    ...["--stage", request.stage, "--mode", request.mode ?? "deploy"],
    ...["--out", out, "--work", join(dir, "work")],
    ...secrets,
    ...(request.bundle === false ? ["--no-bundle"] : []),
  ];
  // Secrets of the developer's own shell must not leak into the run.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => !entry[0].startsWith("SST_") && entry[1] !== undefined,
    ),
  );
  const { code, stderr } = await run(process.execPath, args, { env, inheritEnv: false });
  if (code !== 0) return { code, stderr };
  return { code, stderr, run: JSON.parse(await readFile(out, "utf8")) as MockRun };
}

/** Runs the app and keeps nothing of it but what it printed and its exit code. */
export async function runMock(request: MockRunRequest): Promise<MockRunResult> {
  const dir = await mkdtemp(join(tmpdir(), "filegate-sst-mock-"));
  try {
    return await runIn(dir, request);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the app and wraps the recording; throws SST's message when the run fails. The built
 * function code stays until `dispose()`.
 */
export async function mockDeployment(request: MockRunRequest): Promise<Deployment> {
  const dir = await mkdtemp(join(tmpdir(), "filegate-sst-mock-"));
  const result = await runIn(dir, request);
  if (!result.run) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `mock run of stage ${request.stage} failed (exit ${result.code}):\n${result.stderr}`,
    );
  }
  return new Deployment(result.run, () => rm(dir, { recursive: true, force: true }));
}

export class Deployment {
  constructor(
    readonly run: MockRun,
    /** Removes the run's folder (the built function code). */
    readonly dispose: () => Promise<void> = async () => {},
  ) {}

  /**
   * Every resource of a Pulumi type (e.g. `aws:sqs/queue:Queue`). Without `where`, the web
   * console's static site (its bucket, CDN, policies: resources named `Console…`) is left out:
   * "the bucket" is the file bucket; the console's resources are asked for by name.
   */
  all(type: string, where: (resource: RecordedResource) => boolean = notConsole) {
    return this.run.resources.filter((resource) => resource.type === type && where(resource));
  }

  /** The one resource of a type that matches; throws when there are none or several. */
  one(type: string, where: (resource: RecordedResource) => boolean = notConsole) {
    const found = this.all(type, where);
    if (found.length !== 1) {
      const names = found.map((resource) => resource.name).join(", ") || "none";
      throw new Error(`expected one ${type}, found ${found.length}: ${names}`);
    }
    return found[0] as RecordedResource;
  }

  /** The resource of a type AWS would know by this id or ARN. */
  byRef(type: string, ref: unknown) {
    return this.one(type, (resource) => resource.id === ref || resource.state?.arn === ref);
  }

  /** The resources created by the SST component of that name (a function's role, its Lambda). */
  childOf(type: string, component: string) {
    return this.one(type, (resource) => resource.parent?.endsWith(`::${component}`) === true);
  }

  /** The SST component (e.g. `sst:aws:Queue`) of that name. */
  component(type: string, name: string) {
    return this.one(type, (resource) => resource.name === name);
  }

  /** The queue an SST Queue component created. */
  queue(name: string) {
    return this.childOf("aws:sqs/queue:Queue", this.component("sst:aws:Queue", name).name);
  }

  /** The Lambda function an SST Function component created for a handler target. */
  lambda(target: HandlerTarget) {
    return this.childOf("aws:lambda/function:Function", target.functionID);
  }

  /**
   * The handler behind the Lambda function with this ARN: what SST built for it (deploy), or
   * what `sst dev` runs on this machine when it is invoked (dev).
   */
  handlerOf(functionArn: unknown) {
    const fn = this.byRef("aws:lambda/function:Function", functionArn);
    const targets = this.run.mode === "dev" ? this.run.devTargets : this.run.builds;
    const target = targets.find((candidate) => fn.parent?.endsWith(`::${candidate.functionID}`));
    if (!target) throw new Error(`no handler for function ${fn.name}`);
    return target;
  }

  /** An API route, the integration it targets and the handler that answers it. */
  route(method: string, path: string) {
    const route = this.one(
      "aws:apigatewayv2/route:Route",
      (r) => r.inputs.routeKey === `${method} ${path}`,
    );
    const integrationId = String(route.inputs.target).replace(/^integrations\//, "");
    const integration = this.byRef("aws:apigatewayv2/integration:Integration", integrationId);
    return { route, integration, handler: this.handlerOf(integration.inputs.integrationUri) };
  }

  /** The handler the S3 events queue's event source mapping invokes. */
  subscriber() {
    return this.handlerOf(this.mappingOf("FileEvents").inputs.functionName);
  }

  /** The handler the webhook queue's event source mapping invokes. */
  webhookDelivery() {
    return this.handlerOf(this.mappingOf("WebhookQueue").inputs.functionName);
  }

  /** The event source mapping that feeds a function from the queue of that SST Queue component. */
  mappingOf(queue: string) {
    const arn = this.queue(queue).state?.arn;
    return this.one(
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      (mapping) => mapping.inputs.eventSourceArn === arn,
    );
  }

  /** The handler a scheduled job (an `sst.aws.CronV2` of that name) invokes. */
  job(component: string) {
    const schedule = this.childOf("aws:scheduler/schedule:Schedule", component);
    return this.handlerOf((schedule.inputs.target as { arn: unknown }).arn);
  }

  /** The IAM role of a function (SST's Function component named by the target). */
  role(target: HandlerTarget) {
    return this.childOf("aws:iam/role:Role", target.functionID);
  }

  /** Statements of the inline IAM policies of a function's role. */
  policyStatements(target: HandlerTarget) {
    return inlineStatements(this.role(target));
  }

  /** The ARN the mock gave the one resource of a type (the bucket, the table...). */
  arnOf(type: string) {
    return String(this.one(type).state?.arn);
  }
}

function notConsole(resource: RecordedResource): boolean {
  return !resource.name.startsWith("Console");
}

export interface IamStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy document's statements (IAM JSON, as a string or as an object). */
export function statementsOf(policy: unknown): IamStatement[] {
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as {
    Statement: IamStatement | IamStatement[];
  };
  return asList(document.Statement);
}

/** Statements of the inline IAM policies of a role. */
export function inlineStatements(role: RecordedResource): IamStatement[] {
  const policies = (role.inputs.inlinePolicies ?? []) as { policy: string }[];
  return policies.flatMap((policy) => statementsOf(policy.policy));
}

/** A statement as `Effect action resource` lines, one per action and resource: easy to compare. */
export function grants(statement: IamStatement): string[] {
  return asList(statement.Action).flatMap((action) =>
    asList(statement.Resource).map((resource) => `${statement.Effect} ${action} ${resource}`),
  );
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * What a route table `access` declaration grants, as `Allow action resource` lines: table
 * actions on the table, index actions on `<table>/index/<name>`, bucket actions on the
 * bucket, object actions on the tenants' objects. Written out here, apart from infra/links.ts,
 * so that the two are checked against each other.
 */
export function declaredGrants(
  access: Access,
  arns: { bucket: string; table: string; webhookQueue?: string; webhookDeadLetters?: string },
): string[] {
  const lines: string[] = [];
  const allow = (actions: readonly string[] | undefined, resource: string) => {
    for (const action of actions ?? []) lines.push(`Allow ${action} ${resource}`);
  };
  allow([...new Set(access.FileIndex?.table?.flatMap(iamActions))], arns.table);
  for (const [index, actions] of Object.entries(access.FileIndex?.indexes ?? {})) {
    allow(actions, `${arns.table}/index/${index}`);
  }
  allow(access.FileBucket?.bucket, arns.bucket);
  allow(access.FileBucket?.objects, `${arns.bucket}/tenants/*`);
  // Queue grants only where the caller compares them (the stage tests leave sqs: aside).
  if (arns.webhookQueue) allow(access.WebhookQueue, arns.webhookQueue);
  if (arns.webhookDeadLetters) allow(access.WebhookDeadLetters, arns.webhookDeadLetters);
  return lines.sort();
}

/** Every function of the app with its route table entry, and how to find what SST built for it. */
export function appFunctions(app: () => Deployment) {
  return [
    ...ROUTES.map((route) => ({
      name: `${route.method} ${route.path}`,
      handler: route.handler,
      link: route.link,
      access: route.access,
      target: () => app().route(route.method, route.path).handler,
    })),
    {
      name: "the queue subscriber",
      ...SUBSCRIBER,
      target: () => app().subscriber(),
    },
    {
      name: "the webhook delivery function",
      ...WEBHOOK_DELIVERY,
      target: () => app().webhookDelivery(),
    },
    ...Object.entries(JOBS).map(([name, job]) => ({
      name: `the ${name} job`,
      handler: job.handler,
      link: job.link,
      access: job.access as Access,
      target: () => app().job(jobComponent(name)),
    })),
  ];
}

/** The SST component name of a job of JOBS (`sweepUploads` → `SweepUploads`). */
export const jobComponent = (name: string) => `${name[0]?.toUpperCase()}${name.slice(1)}`;
