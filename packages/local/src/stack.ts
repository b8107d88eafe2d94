import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadSettings } from "@filegate/core/config";
import type { ReconcileSummary } from "@filegate/core/reconcile";
import { ROUTES } from "@filegate/functions/routes";
import { SUBSCRIBER } from "@filegate/functions/workers";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { startAdmin } from "./admin";
import { type HttpHandler, type LoadedRoute, startApi } from "./api";
import { ATTESTATION_KEY_FILE, useAttestationKeys } from "./attestation";
import { type LocalAuthority, loadAuthority, type TokenRequest } from "./auth";
import { EventBridge, requeuePending, savePending } from "./bridge";
import { startConsole } from "./console";
import {
  chooseEngine,
  type DynamoEmulator,
  type DynamoEngine,
  ensureTable,
  startDynamo,
} from "./dynamodb";
import { configureHandlerEnvironment, importHandler } from "./handlers";
import { type JobName, startJobs } from "./jobs";
import { lambdaContext } from "./lambda";
import {
  DEFAULT_OPTIONS,
  LOCAL_BUCKET,
  LOCAL_QUEUE_ARN,
  LOCAL_TABLE,
  type LocalStackOptions,
} from "./options";
import {
  invokeReconciler,
  loadReconciler,
  reconcilerEnvironment,
  reconcileWhenIdle,
  SCHEDULED_EVENT,
} from "./reconcile";
import { redriveDeadLetters } from "./redrive";
import { S3_CREDENTIALS, type S3Emulator, startS3 } from "./s3/emulator";
import { publishState, stackState } from "./stack-state";
import { isAlive, type LocalState, readState } from "./state";
import { type LocalWebhookQueue, startWebhookQueues } from "./webhook-queue";

export { REPO_ROOT } from "./handlers";

export interface LocalStack {
  state: LocalState;
  authority: LocalAuthority;
  bridge: EventBridge;
  /** The DynamoDB emulator (fault-injection tests suspend and resume it). */
  dynamo: DynamoEmulator;
  /** The webhook queue feeding the delivery function (`idle()`, its dead letters). */
  webhooks: LocalWebhookQueue;
  /** The reconciler run at start (after pending events are delivered); `undefined` if it failed. */
  reconciled: Promise<ReconcileSummary | undefined>;
  /** Signs a token this stack accepts. */
  token(request: TokenRequest): Promise<string>;
  /** Runs a scheduled job now (as its schedule would), returning what it returned. */
  runJob(name: JobName): Promise<unknown>;
  /** Stops everything; undelivered events are kept for the next start (unless `memory`). */
  stop(): Promise<void>;
}

let started = false;

type Cleanup = Array<() => Promise<void>>;

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
  await mustBeFree(dir);

  const attestationKeyFile = join(dir, ATTESTATION_KEY_FILE);
  await useAttestationKeys(attestationKeyFile);
  const dataDir = await dataFolder(dir, options.memory);

  const cleanup: Cleanup = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    if (options.memory) await rm(dataDir, { recursive: true, force: true });
    started = false;
  };
  try {
    const stack = await assemble(options, { dir, dataDir, attestationKeyFile }, cleanup);
    return { ...stack, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts every part of the stack in order (each one's stop goes to `cleanup`): webhook
 * queues, emulators, handlers, the event bridge, the API, the console, the jobs and the admin
 * endpoint; then publishes `local.json` and reconciles what drifted while it was down.
 */
async function assemble(
  options: LocalStackOptions,
  paths: { dir: string; dataDir: string; attestationKeyFile: string },
  cleanup: Cleanup,
): Promise<Omit<LocalStack, "stop">> {
  const { dir, dataDir, attestationKeyFile } = paths;
  const { log } = options;
  const settings = loadSettings(process.env);
  const engine = chooseEngine(options.dynamodb, log);
  const queues = await startWebhookQueues({ ...options, dataDir, cleanup });
  const { s3, dynamo } = await startEmulators(
    options,
    engine,
    dataDir,
    cleanup,
    queues.environment,
  );
  const routes = await loadRoutes();
  const webhooks = await queues.attach();
  const subscriber = (await importHandler(SUBSCRIBER.handler)) as Subscriber;
  const keyFile = join(dir, "signing-key.json");
  const authority = await loadAuthority(keyFile, settings.tenantClaim, { log });
  const deadLetterFile = join(dataDir, "dead-letters.jsonl");
  const bridge = await startBridge(options, { s3, subscriber, dataDir, deadLetterFile }, cleanup);
  const api = await startApi({ port: options.port, routes, authority, cors: options.apiCors, log });
  cleanup.push(() => api.stop());
  const consoleUrl = await serveConsole(options, api.url, authority, cleanup, () => state);
  const runJob = await startJobs({ intervalMs: options.jobIntervalMs, log, cleanup });
  const admin = await startAdminServer(() => redriveDeadLetters(deadLetterFile, bridge), log);
  cleanup.push(() => admin.stop());

  const parts = {
    ...{ api, s3, dynamo, authority, keyFile, dataDir, deadLetterFile, admin },
    ...{ attestationKeyFile, consoleUrl },
  };
  const state = await stackState(options, parts);
  await publishState(dir, state, cleanup);
  const { done: reconciled } = await reconcileAtStart(bridge, log, cleanup);
  const token = (request: TokenRequest) => authority.issue(request);
  return { state, authority, bridge, dynamo, webhooks, reconciled, token, runJob };
}

/** The web console on a server of its own (stopped with the stack); resolves with its URL. */
async function serveConsole(
  options: LocalStackOptions,
  apiUrl: string,
  authority: LocalAuthority,
  cleanup: Cleanup,
  state: () => LocalState,
): Promise<string> {
  const server = await startConsole({
    port: options.consolePort,
    config: () => ({ apiUrl, devToken: state().devToken, tenantClaim: authority.tenantClaim }),
    log: options.log,
  });
  cleanup.push(() => server.stop());
  return server.url;
}

/** Refuses a folder that a live stack (another process) runs from. */
async function mustBeFree(dir: string): Promise<void> {
  const previous = await readState(dir);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
    started = false;
    throw new Error(
      `A local stack already runs from ${dir} (pid ${previous.pid}, ${previous.apiUrl}). Stop it first, or use --dir.`,
    );
  }
}

/**
 * Starts the S3 and DynamoDB emulators (their stops go to `cleanup`), creates the table, and
 * points the handlers' environment at them.
 */
async function startEmulators(
  options: LocalStackOptions,
  engine: DynamoEngine,
  dataDir: string,
  cleanup: Cleanup,
  queues: Record<string, string>,
): Promise<{ s3: S3Emulator; dynamo: DynamoEmulator }> {
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
    // The reconciler's own variables (the only function that reads them), local grace included;
    // the webhook queues' endpoint and the local webhook settings.
    extra: { ...reconcilerEnvironment(options.reconcileGraceSeconds), ...queues },
  });
  return { s3, dynamo };
}

type Subscriber = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The event bridge from the emulator's events to the subscriber: events a previous run left
 * undelivered are queued again, and at stop those still undelivered are kept (unless `memory`).
 */
async function startBridge(
  options: LocalStackOptions,
  parts: { s3: S3Emulator; subscriber: Subscriber; dataDir: string; deadLetterFile: string },
  cleanup: Cleanup,
): Promise<EventBridge> {
  const { subscriber } = parts;
  const bridge = new EventBridge({
    region: options.region,
    queueArn: LOCAL_QUEUE_ARN,
    deliver: (event) => subscriber(event, lambdaContext("filegate-local-subscriber")),
    maxReceiveCount: options.maxReceiveCount,
    backoffMs: options.backoffMs,
    deadLetterFile: parts.deadLetterFile,
    log: options.log,
  });
  parts.s3.onEvent((record) => bridge.publish(record));
  const pendingFile = join(parts.dataDir, "pending-events.jsonl");
  await requeuePending(pendingFile, bridge);
  cleanup.push(async () => {
    const pending = await bridge.stop();
    if (pending.length > 0 && !options.memory) await savePending(pendingFile, pending);
  });
  return bridge;
}

/** Where the emulators keep their data: under `dir`, or a temporary folder with `memory`. */
async function dataFolder(dir: string, memory: boolean): Promise<string> {
  const dataDir = memory ? await mkdtemp(join(tmpdir(), "filegate-")) : join(dir, "data");
  await mkdir(join(dataDir, "s3"), { recursive: true });
  if (!memory) await mkdir(join(dataDir, "dynamodb"), { recursive: true });
  return dataDir;
}

/** The admin endpoint (redrive of dead letters), behind a token of its own. */
async function startAdminServer(redrive: () => Promise<unknown>, log: (line: string) => void) {
  const token = randomBytes(24).toString("base64url");
  const server = await startAdmin({ token, actions: { redrive }, log });
  return { url: server.url, token, stop: () => server.stop() };
}

/**
 * Repairs whatever drifted while the stack was down (changes then leave no event behind),
 * once pending events are delivered: the very function the schedule invokes on AWS, with the
 * event the schedule sends. `done` settles with the run's summary (`undefined` if it failed).
 */
async function reconcileAtStart(
  bridge: EventBridge,
  log: (line: string) => void,
  cleanup: Cleanup,
): Promise<{ done: Promise<ReconcileSummary | undefined> }> {
  const reconciler = await loadReconciler();
  const startup = reconcileWhenIdle(bridge, {
    run: () => invokeReconciler(reconciler, SCHEDULED_EVENT),
    log,
  });
  cleanup.push(() => startup.cancel());
  return { done: startup.done };
}

async function loadRoutes(): Promise<LoadedRoute[]> {
  return Promise.all(
    ROUTES.map(async (route) => ({
      ...route,
      run: (await importHandler(route.handler)) as HttpHandler,
    })),
  );
}
