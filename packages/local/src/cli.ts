import { relative } from "node:path";
import { parseArgs } from "node:util";
import { isValidTenant } from "@filegate/core/tenancy";
import { loadAuthority } from "./auth";
import { DEFAULT_OPTIONS } from "./options";
import { LOCAL_GRACE_SECONDS, reconcileLocal } from "./reconcile";
import { type LocalStack, startLocalStack } from "./stack";
import { DEFAULT_DIR, isAlive, type LocalState, readState, stateFile } from "./state";

const USAGE = `Usage:
  filegate-local start [--port 8787] [--s3-port 8788] [--dynamodb-port 8789] [--console-port 8790]
                       [--memory] [--dir .filegate] [--dynamodb auto|local|dynalite]
                       [--log-level DEBUG|INFO|WARN|ERROR|SILENT]
  filegate-local token --tenant T --sub S [--scope "a b"] [--expires-in 3600] [--dir .filegate]
  filegate-local reconcile [--tenant T] [--dry-run] [--grace-seconds 5] [--dir .filegate]
  filegate-local redrive [--dir .filegate]`;

class UsageError extends Error {
  override name = "UsageError";
}

// The pinned SDK runs on Node 20; its notice about releases after January 2027 needing
// Node 22 is in the README rather than on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return start(rest);
    case "token":
      return token(rest);
    case "reconcile":
      return reconcileCommand(rest);
    case "redrive":
      return redrive(rest);
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`Unknown command: ${command}`);
  }
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: "string" },
      "s3-port": { type: "string" },
      "dynamodb-port": { type: "string" },
      "console-port": { type: "string" },
      memory: { type: "boolean", default: false },
      dir: { type: "string", default: DEFAULT_DIR },
      dynamodb: { type: "string", default: "auto" },
      "log-level": { type: "string", default: "INFO" },
    },
  });
  const engine = values.dynamodb;
  if (engine !== "auto" && engine !== "local" && engine !== "dynalite") {
    throw new UsageError(`--dynamodb must be auto, local or dynalite (got ${engine})`);
  }
  const logLevel = values["log-level"].toUpperCase();
  if (!["DEBUG", "INFO", "WARN", "ERROR", "SILENT", "CRITICAL"].includes(logLevel)) {
    throw new UsageError(
      `--log-level must be DEBUG, INFO, WARN, ERROR or SILENT (got ${logLevel})`,
    );
  }

  const stack = await startLocalStack({
    dir: values.dir,
    memory: values.memory,
    port: port("--port", values.port, DEFAULT_OPTIONS.port),
    s3Port: port("--s3-port", values["s3-port"], DEFAULT_OPTIONS.s3Port),
    dynamodbPort: port("--dynamodb-port", values["dynamodb-port"], DEFAULT_OPTIONS.dynamodbPort),
    consolePort: port("--console-port", values["console-port"], DEFAULT_OPTIONS.consolePort),
    dynamodb: engine,
    logLevel,
  });
  printBanner(stack.state, values.dir);
  stopOnSignals(stack);
}

/** What a started stack prints: its endpoints, where its state is, and a dev token. */
function printBanner(state: LocalState, dir: string): void {
  const where = state.memory
    ? "in memory"
    : `data in ${relative(process.cwd(), state.dataDir) || "."}`;
  console.log(
    [
      `Filegate local stack is up (${state.dynamodb.engine === "local" ? "DynamoDB Local" : "dynalite"}, ${where})`,
      `  API       ${state.apiUrl}`,
      `  Console   ${state.consoleUrl}`,
      `  S3        ${state.s3.endpoint}  bucket ${state.bucket}`,
      `  DynamoDB  ${state.dynamodb.endpoint}  table ${state.table}`,
      `  State     ${relative(process.cwd(), stateFile(dir))}`,
      `Dev token (tenant "dev", sub "developer", valid 12 h):`,
      `  export FILEGATE_URL=${state.apiUrl} FILEGATE_TOKEN=${state.devToken}`,
      "More tokens: npm run token -- --tenant T --sub S. Ctrl-C stops.",
    ].join("\n"),
  );
}

/** SIGINT or SIGTERM stops the stack and exits; a second one exits at once. */
function stopOnSignals(stack: Pick<LocalStack, "stop">): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.error("Forced exit.");
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stack.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tenant: { type: "string" },
      sub: { type: "string" },
      scope: { type: "string", multiple: true },
      "expires-in": { type: "string", default: "3600" },
      dir: { type: "string", default: DEFAULT_DIR },
    },
  });
  if (!values.tenant) throw new UsageError("--tenant is required");
  if (!values.sub) throw new UsageError("--sub is required");
  const expiresIn = Number(values["expires-in"]);
  if (!Number.isInteger(expiresIn) || expiresIn < 1) {
    throw new UsageError("--expires-in must be a whole number of seconds");
  }
  const state = await stackState(values.dir);
  if (!isAlive(state.pid)) {
    console.error(
      `warning: the local stack (pid ${state.pid}) is not running; the token is for its key`,
    );
  }
  const authority = await loadAuthority(state.auth.keyFile, state.auth.tenantClaim, {
    log: (line) => console.error(line),
  });
  const scope = values.scope?.join(" ");
  process.stdout.write(
    `${await authority.issue({ tenant: values.tenant, sub: values.sub, scope, expiresIn })}\n`,
  );
}

/**
 * Compares the running stack's bucket with its index and repairs the index; prints the
 * summary as JSON. It invokes the reconciler function's own handler, as its schedule does
 * (`--tenant`: with `{"tenant": ...}`, as an operator does for one tenant).
 */
async function reconcileCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tenant: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "grace-seconds": { type: "string", default: String(LOCAL_GRACE_SECONDS) },
      dir: { type: "string", default: DEFAULT_DIR },
    },
  });
  const { tenant } = values;
  if (tenant !== undefined && !isValidTenant(tenant)) {
    throw new UsageError(`--tenant must be a tenant id (1-64 of A-Z a-z 0-9 _ -), got ${tenant}`);
  }
  if (!/^\d+$/.test(values["grace-seconds"])) {
    throw new UsageError("--grace-seconds must be a whole number of seconds");
  }
  const state = await runningState(values.dir);
  const summary = await reconcileLocal(state, {
    tenant,
    dryRun: values["dry-run"],
    graceSeconds: Number(values["grace-seconds"]),
  });
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

/** Replays the running stack's dead letters through its event bridge (its admin endpoint). */
async function redrive(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { dir: { type: "string", default: DEFAULT_DIR } },
  });
  const state = await runningState(values.dir);
  const response = await fetch(`${state.admin.url}/redrive`, {
    method: "POST",
    headers: { Authorization: `Bearer ${state.admin.token}` },
  });
  const result = (await response.json()) as { deadLetteredAgain?: number; error?: string };
  if (!response.ok) throw new Error(`redrive failed: ${result.error ?? response.status}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.deadLetteredAgain) {
    console.error(
      `${result.deadLetteredAgain} message(s) failed again and are back in ${state.deadLetterFile}`,
    );
    process.exitCode = 1;
  }
}

async function stackState(dir: string): Promise<LocalState> {
  const state = await readState(dir);
  if (!state) {
    throw new Error(`No local stack state in ${stateFile(dir)}: start one with npm start`);
  }
  return state;
}

/** The state of a stack that runs now (commands that talk to its emulators need one). */
async function runningState(dir: string): Promise<LocalState> {
  const state = await stackState(dir);
  if (!isAlive(state.pid)) {
    throw new Error(`The local stack of ${stateFile(dir)} (pid ${state.pid}) is not running`);
  }
  return state;
}

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (got ${value})`);
  }
  return number;
}

main(process.argv.slice(2)).catch((error: Error) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    const port = (error as NodeJS.ErrnoException & { port?: number }).port;
    console.error(
      `filegate-local: port ${port ?? ""} is in use (another stack?). Stop it, or choose ports with --port, --s3-port, --dynamodb-port and --console-port (0 picks a free one).`,
    );
    process.exit(1);
  }
  console.error(`filegate-local: ${error.message}`);
  process.exit(1);
});
