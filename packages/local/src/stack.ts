import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadSettings } from "@filegate/core/config";
import type { ReconcileSummary } from "@filegate/core/reconcile";
import { API_CORS, BUCKET_CORS, type CorsRules } from "@filegate/functions/edge";
import { JOBS, ROUTES, SUBSCRIBER } from "@filegate/functions/routes";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { startAdmin } from "./admin";
import { type HttpHandler, type LoadedRoute, startApi } from "./api";
import { type LocalAuthority, loadAuthority, type TokenRequest } from "./auth";
import { EventBridge, type QueuedMessage } from "./bridge";
import {
  type DynamoEmulator,
  type DynamoEngine,
  ensureTable,
  hasJava,
  startDynamo,
} from "./dynamodb";
import { LOCAL_GRACE_SECONDS, reconcileWhenIdle } from "./reconcile";
import { redriveDeadLetters } from "./redrive";
import { S3_CREDENTIALS, startS3 } from "./s3";
import { DEFAULT_DIR, isAlive, type LocalState, readState, writeState } from "./state";

/** The repository root, where route handler paths start. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const LOCAL_BUCKET = "filegate-local";
export const LOCAL_TABLE = "filegate-local-index";
export const LOCAL_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:filegate-local-events";

export interface LocalStackOptions {
  /** State folder: local.json, the signing key and (unless `memory`) the data. */
  dir: string;
  /** Keep no data: emulators run on a temporary folder removed at stop. */
  memory: boolean;
  port: number;
  s3Port: number;
  dynamodbPort: number;
  /** `auto`: DynamoDB Local when Java is installed, otherwise dynalite. */
  dynamodb: DynamoEngine | "auto";
  region: string;
  /** Level of the handlers' structured logs (Powertools). */
  logLevel: string;
  /** Deliveries of an event before it is dead-lettered, and the wait between them. */
  maxReceiveCount: number;
  backoffMs(attempt: number): number;
  /** How often the scheduled jobs run (they run once at start too); 0 runs them only then. */
  jobIntervalMs: number;
  /** The reconciler's grace period at start (objects younger than this are left to events). */
  reconcileGraceSeconds: number;
  /** CORS rules of the API and the bucket (default: the deployment's, from `edge.ts`). */
  apiCors: CorsRules;
  bucketCors: CorsRules;
  /** Where the stack's own lines go. */
  log(line: string): void;
}

export const DEFAULT_OPTIONS: LocalStackOptions = {
  dir: DEFAULT_DIR,
  memory: false,
  port: 8787,
  s3Port: 8788,
  dynamodbPort: 8789,
  dynamodb: "auto",
  region: "us-east-1",
  logLevel: "INFO",
  maxReceiveCount: 5,
  backoffMs: (attempt) => Math.min(200 * 2 ** (attempt - 1), 5000),
  jobIntervalMs: 60_000,
  reconcileGraceSeconds: LOCAL_GRACE_SECONDS,
  apiCors: API_CORS,
  bucketCors: BUCKET_CORS,
  log: (line) => console.log(line),
};

export interface LocalStack {
  state: LocalState;
  authority: LocalAuthority;
  bridge: EventBridge;
  /** The DynamoDB emulator (fault-injection tests suspend and resume it). */
  dynamo: DynamoEmulator;
  /** The reconciler run at start (after pending events are delivered); `undefined` if it failed. */
  reconciled: Promise<ReconcileSummary | undefined>;
  /** Signs a token this stack accepts. */
  token(request: TokenRequest): Promise<string>;
  /** Runs a scheduled job now (as its schedule would), returning what it returned. */
  runJob(name: keyof typeof JOBS): Promise<unknown>;
  /** Stops everything; undelivered events are kept for the next start (unless `memory`). */
  stop(): Promise<void>;
}

let started = false;

/**
 * Starts the whole local stack in this process: S3 and DynamoDB emulators, the table and
 * bucket, the API serving the real route handlers, and the event bridge feeding the real
 * subscriber. One stack per process: handlers read their resources from the environment once.
 */
export async function startLocalStack(
  overrides: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  if (started) throw new Error("A local stack already runs in this process");
  started = true;
  const options = { ...DEFAULT_OPTIONS, ...overrides };
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });

  const previous = await readState(dir);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
    started = false;
    throw new Error(
      `A local stack already runs from ${dir} (pid ${previous.pid}, ${previous.apiUrl}). Stop it first, or use --dir.`,
    );
  }

  const settings = loadSettings(process.env);
  const engine = chooseEngine(options.dynamodb, options.log);
  const dataDir = options.memory ? await mkdtemp(join(tmpdir(), "filegate-")) : join(dir, "data");
  await mkdir(join(dataDir, "s3"), { recursive: true });
  if (!options.memory) await mkdir(join(dataDir, "dynamodb"), { recursive: true });

  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    if (options.memory) await rm(dataDir, { recursive: true, force: true });
    started = false;
  };

  try {
    const [s3, dynamo] = await Promise.all([
      startS3({
        port: options.s3Port,
        directory: join(dataDir, "s3"),
        bucket: LOCAL_BUCKET,
        cors: options.bucketCors,
      }),
      startDynamo({
        engine,
        port: options.dynamodbPort,
        directory: options.memory ? undefined : join(dataDir, "dynamodb"),
      }),
    ]);
    cleanup.push(
      () => s3.stop(),
      () => dynamo.stop(),
    );

    const admin = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: options.region,
      // A copy: the SDK marks the credentials object it is given with where it came from.
      credentials: { ...S3_CREDENTIALS },
    });
    await ensureTable(admin, LOCAL_TABLE);
    admin.destroy();

    configureHandlerEnvironment({
      region: options.region,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      logLevel: options.logLevel,
      maxReceiveCount: options.maxReceiveCount,
    });

    const routes = await loadRoutes();
    const subscriber = (await importHandler(SUBSCRIBER.handler)) as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;

    const authority = await loadAuthority(join(dir, "signing-key.json"), settings.tenantClaim);
    const deadLetterFile = join(dataDir, "dead-letters.jsonl");
    const bridge = new EventBridge({
      region: options.region,
      queueArn: LOCAL_QUEUE_ARN,
      deliver: (event) => subscriber(event, lambdaContext("filegate-local-subscriber")),
      maxReceiveCount: options.maxReceiveCount,
      backoffMs: options.backoffMs,
      deadLetterFile,
      log: options.log,
    });
    s3.onEvent((record) => bridge.publish(record));
    const pendingFile = join(dataDir, "pending-events.jsonl");
    await requeuePending(pendingFile, bridge);
    cleanup.push(async () => {
      const pending = await bridge.stop();
      if (pending.length > 0 && !options.memory) await savePending(pendingFile, pending);
    });

    const api = await startApi({
      port: options.port,
      routes,
      authority,
      cors: options.apiCors,
      log: options.log,
    });
    cleanup.push(() => api.stop());

    const jobs = Object.fromEntries(
      await Promise.all(
        Object.entries(JOBS)
          .filter(([, job]) => !("local" in job) || job.local)
          .map(async ([name, job]) => [
            name,
            (await importHandler(job.handler)) as () => Promise<unknown>,
          ]),
      ),
    ) as Partial<Record<keyof typeof JOBS, () => Promise<unknown>>>;
    const runJob = async (name: keyof typeof JOBS) => {
      const job = jobs[name];
      if (!job) throw new Error(`The local stack does not run the ${name} job on a timer`);
      return job();
    };
    const runAllJobs = () => {
      for (const name of Object.keys(jobs) as Array<keyof typeof JOBS>) {
        runJob(name).catch((error: Error) => options.log(`job ${name} failed: ${error.message}`));
      }
    };
    runAllJobs();
    if (options.jobIntervalMs > 0) {
      const timer = setInterval(runAllJobs, options.jobIntervalMs);
      timer.unref();
      cleanup.push(async () => clearInterval(timer));
    }
    const adminToken = randomBytes(24).toString("base64url");
    const adminServer = await startAdmin({
      token: adminToken,
      actions: { redrive: () => redriveDeadLetters(deadLetterFile, bridge) },
      log: options.log,
    });
    cleanup.push(() => adminServer.stop());

    const state: LocalState = {
      apiUrl: api.url,
      endpoints: { api: api.url, s3: s3.endpoint, dynamodb: dynamo.endpoint },
      region: options.region,
      bucket: LOCAL_BUCKET,
      table: LOCAL_TABLE,
      s3: { endpoint: s3.endpoint },
      dynamodb: { endpoint: dynamo.endpoint, engine: dynamo.engine },
      credentials: {
        accessKeyId: S3_CREDENTIALS.accessKeyId,
        secretAccessKey: S3_CREDENTIALS.secretAccessKey,
      },
      auth: {
        issuer: authority.issuer,
        audience: authority.audience,
        tenantClaim: authority.tenantClaim,
        keyFile: join(dir, "signing-key.json"),
      },
      deadLetterFile,
      admin: { url: adminServer.url, token: adminToken },
      dataDir,
      memory: options.memory,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      devToken: await authority.issue({ tenant: "dev", sub: "developer", expiresIn: 12 * 3600 }),
    };
    await writeState(dir, state);
    cleanup.unshift(async () => {
      // Leave no stale local.json behind: it would point tools at a stack that is gone.
      const current = await readState(dir);
      if (current?.pid === process.pid) await unlink(join(dir, "local.json")).catch(() => {});
    });

    // Repair whatever drifted while the stack was down (changes then leave no event behind).
    const startup = reconcileWhenIdle(state, bridge, {
      graceSeconds: options.reconcileGraceSeconds,
      log: options.log,
    });
    cleanup.push(() => startup.cancel());

    return {
      state,
      authority,
      bridge,
      dynamo,
      reconciled: startup.done,
      token: (request) => authority.issue(request),
      runJob,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function chooseEngine(
  choice: LocalStackOptions["dynamodb"],
  log: (line: string) => void,
): DynamoEngine {
  if (choice === "dynalite") return "dynalite";
  const java = hasJava();
  if (choice === "local" && !java) {
    throw new Error(
      "DynamoDB Local needs Java 17 or later, and no `java` was found on PATH. " +
        "Install one (Debian: apt-get install openjdk-17-jre-headless) or start with --dynamodb dynalite.",
    );
  }
  if (!java) {
    log(
      "No Java found: using dynalite for DynamoDB (install Java 17+ to use AWS's DynamoDB Local).",
    );
    return "dynalite";
  }
  return "local";
}

/**
 * The environment the handlers see on AWS, pointed at the emulators: SST resource links,
 * region, credentials and endpoints. Set before any handler module is imported.
 */
function configureHandlerEnvironment(options: {
  region: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  logLevel: string;
  maxReceiveCount: number;
}): void {
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"])
    delete process.env[name];
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "filegate", stage: "local" }),
    SST_RESOURCE_FileBucket: JSON.stringify({ name: LOCAL_BUCKET, type: "sst.aws.Bucket" }),
    SST_RESOURCE_FileIndex: JSON.stringify({ name: LOCAL_TABLE, type: "sst.aws.Dynamo" }),
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    FILEGATE_MAX_RECEIVE_COUNT: String(options.maxReceiveCount),
    // EMF metrics are for CloudWatch; set POWERTOOLS_METRICS_DISABLED=false to see them here.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
  });
}

async function importHandler(handler: string): Promise<unknown> {
  const dot = handler.lastIndexOf(".");
  const file = join(REPO_ROOT, `${handler.slice(0, dot)}.ts`);
  const name = handler.slice(dot + 1);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (typeof module[name] !== "function") throw new Error(`${file} exports no function ${name}`);
  return module[name];
}

async function loadRoutes(): Promise<LoadedRoute[]> {
  return Promise.all(
    ROUTES.map(async (route) => ({
      ...route,
      run: (await importHandler(route.handler)) as HttpHandler,
    })),
  );
}

/** A Lambda context for a local invocation. */
export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function requeuePending(file: string, bridge: EventBridge): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const message = JSON.parse(line) as QueuedMessage;
    bridge.send(message.body, message.messageId);
  }
  await unlink(file);
}

async function savePending(file: string, pending: QueuedMessage[]): Promise<void> {
  await writeFile(file, pending.map((message) => `${JSON.stringify(message)}\n`).join(""));
}
