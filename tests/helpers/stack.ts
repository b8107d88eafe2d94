import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalState } from "@filegate/local";

export const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "packages/local/src/cli.ts");
/** The CLI runs as `npm start` runs it: node with the tsx loader, in one process. */
const NODE = [process.execPath, "--import", "tsx"];

export interface RunningStack {
  state: LocalState;
  dir: string;
  child: ChildProcess;
  /** Everything the stack printed so far. */
  output(): string;
  /** A token for this stack, from `npm run token`'s own code path. */
  token(tenant: string, sub: string, ...extra: string[]): Promise<string>;
  /** Bearer authorization header for a tenant and subject. */
  auth(tenant: string, sub?: string): Promise<Record<string, string>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the local stack as `npm start` does (the same CLI, in a child process) on free
 * ports, in memory, with its state in a fresh folder; resolves once local.json is written.
 */
export async function startStack(
  options: { args?: string[]; env?: Record<string, string>; dir?: string } = {},
): Promise<RunningStack> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "filegate-test-")));
  const engine = process.env.FILEGATE_TEST_DYNAMODB === "local" ? "local" : "dynalite";
  const args = options.args ?? ["--memory", "--dynamodb", engine];
  const child = spawn(
    NODE[0] as string,
    [
      ...NODE.slice(1),
      CLI,
      "start",
      "--port",
      "0",
      "--s3-port",
      "0",
      "--dynamodb-port",
      "0",
      "--console-port",
      "0",
      "--dir",
      dir,
      "--log-level",
      "WARN",
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const state = await waitForState(dir, child, () => output);
  const tokens = new Map<string, string>();
  const stack: RunningStack = {
    state,
    dir,
    child,
    output: () => output,
    token: (tenant, sub, ...extra) => cliToken(dir, ["--tenant", tenant, "--sub", sub, ...extra]),
    async auth(tenant, sub = "user") {
      const id = `${tenant}/${sub}`;
      let token = tokens.get(id);
      if (!token) {
        token = await stack.token(tenant, sub);
        tokens.set(id, token);
      }
      return { Authorization: `Bearer ${token}` };
    },
    async stop(signal = "SIGINT") {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = await exited;
      if (!options.dir) await rm(dir, { recursive: true, force: true });
      return code as number | null;
    },
  };
  return stack;
}

async function waitForState(dir: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`local stack exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      const state = JSON.parse(await readFile(join(dir, "local.json"), "utf8")) as LocalState;
      if (state.pid === child.pid) return state;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`local stack did not start within 30 s:\n${output()}`);
}

/** Runs the token command (what `npm run token` runs) and returns its stdout. */
export async function cliToken(dir: string, args: string[]): Promise<string> {
  const { stdout, code, stderr } = await run(NODE[0] as string, [
    ...NODE.slice(1),
    CLI,
    "token",
    "--dir",
    dir,
    ...args,
  ]);
  if (code !== 0) throw new Error(`token command failed (${code}): ${stderr}`);
  return stdout.trim();
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output (curl, the CLI...). */
export async function run(
  command: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    input?: string;
    /** Start from this process's environment (default), or from `env` alone. */
    inheritEnv?: boolean;
  } = {},
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...(options.inheritEnv === false ? {} : process.env), ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  // A command that exits without reading its input closes the pipe first: the write then
  // fails with EPIPE, which says nothing about the command (its exit code and output do).
  child.stdin.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") stderr += `stdin: ${error.message}\n`;
  });
  child.stdin.end(options.input ?? "");
  // "close", not "exit": the output may still be on its way when the process exits.
  const [code] = await once(child, "close");
  return { code: code as number | null, stdout, stderr };
}

/** Polls `probe` until it returns something other than `undefined`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
