import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadSettings } from "@filegate/core/config";
import type { ReconcileSummary } from "@filegate/core/reconcile";
import { API_CORS, BUCKET_CORS, type CorsRules } from "@filegate/functions/edge";
import { JOBS, type JobDefinition, ROUTES, SUBSCRIBER } from "@filegate/functions/routes";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { startAdmin } from "./admin";
import { type HttpHandler, type LoadedRoute, startApi } from "./api";
import { LOCAL_ALGORITHM, type LocalAuthority, loadAuthority, type TokenRequest } from "./auth";
import { EventBridge, type QueuedMessage } from "./bridge";
import {
  type DynamoEmulator,
  type DynamoEngine,
  ensureTable,
  hasJava,
  startDynamo,
} from "./dynamodb";
import { configureHandlerEnvironment, importHandler } from "./handlers";
import { lambdaContext } from "./lambda";
import {
  invokeReconciler,
  LOCAL_GRACE_SECONDS,
  loadReconciler,
  reconcilerEnvironment,
  reconcileWhenIdle,
  SCHEDULED_EVENT,
} from "./reconcile";
import { redriveDeadLetters } from "./redrive";
import { S3_CREDENTIALS, startS3 } from "./s3/emulator";
import { DEFAULT_DIR, isAlive, type LocalState, readState, writeState } from "./state";

export { REPO_ROOT } from "./handlers";

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
      credentials: S3_CREDENTIALS,
      bucket: LOCAL_BUCKET,
      table: LOCAL_TABLE,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      logLevel: options.logLevel,
      maxReceiveCount: options.maxReceiveCount,
      // The reconciler's own variables (the only function that reads them), local grace included.
      extra: reconcilerEnvironment(options.reconcileGraceSeconds),
    });

    const routes = await loadRoutes();
    const subscriber = (await importHandler(SUBSCRIBER.handler)) as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;

    const keyFile = join(dir, "signing-key.json");
    const authority = await loadAuthority(keyFile, settings.tenantClaim, { log: options.log });
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

    type JobHandler = (event: unknown, context: Context) => Promise<unknown>;
    const jobHandlers = Object.fromEntries(
      await Promise.all(
        Object.entries(JOBS).map(async ([name, job]) => [
          name,
          (await importHandler(job.handler)) as JobHandler,
        ]),
      ),
    ) as Record<keyof typeof JOBS, JobHandler>;
    /** Invokes a job as its schedule does: the schedule's event, a context of its timeout. */
    const runJob = async (name: keyof typeof JOBS) =>
      jobHandlers[name](
        SCHEDULED_EVENT,
        lambdaContext(`filegate-local-${name}`, JOBS[name].timeoutMinutes * 60_000),
      );
    const timed = (Object.keys(JOBS) as Array<keyof typeof JOBS>).filter((name) => {
      const job: JobDefinition = JOBS[name];
      return job.local !== false;
    });
    const runTimedJobs = () => {
      for (const name of timed) {
        runJob(name).catch((error: Error) => options.log(`job ${name} failed: ${error.message}`));
      }
    };
    runTimedJobs();
    if (options.jobIntervalMs > 0) {
      const timer = setInterval(runTimedJobs, options.jobIntervalMs);
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
        keyFile,
        algorithm: LOCAL_ALGORITHM,
        kid: authority.kid,
        jwksFile: authority.jwksFile,
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
    // The very function the schedule invokes on AWS, with the event the schedule sends.
    const reconciler = await loadReconciler();
    const startup = reconcileWhenIdle(bridge, {
      run: () => invokeReconciler(reconciler, SCHEDULED_EVENT),
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

async function loadRoutes(): Promise<LoadedRoute[]> {
  return Promise.all(
    ROUTES.map(async (route) => ({
      ...route,
      run: (await importHandler(route.handler)) as HttpHandler,
    })),
  );
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
