import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * - `dynalite`, `dynamodb-local`: the DynamoDB emulators of the local stack
 * - `s3`: the local stack's S3 emulator (s3rver), with the benchmark bucket
 * - `head`: answers every request like S3's HeadObject of {@link FIXED_OBJECT}, uploaded with
 *   the write grant of its key (`grantIdFor`, bench/lib/grants.ts)
 * - `redirect`: answers every request with a fixed 307 to {@link FIXED_REDIRECT}
 */
export type ServerKind = "dynalite" | "dynamodb-local" | "s3" | "head" | "redirect";

/** The object the `head` server describes. */
export const FIXED_OBJECT = {
  etag: "9b2cf535f27731c974343645a3985328",
  contentType: "application/pdf",
  size: 52_431,
} as const;

/** A presigned URL of typical length, for the bare redirect server. */
export const FIXED_REDIRECT =
  "https://filegate-bench.s3.us-east-1.amazonaws.com/tenants/acme/docs/report.pdf" +
  "?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
  "&X-Amz-Credential=S3RVER%2F20261125%2Fus-east-1%2Fs3%2Faws4_request" +
  "&X-Amz-Date=20261125T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host" +
  "&X-Amz-Signature=5b654ab73c1b9eb8a14cc832238f6705f46a6e92bd681065db159ce39b5b4ec6";

export interface RunningServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a server of `kind` in a child process of its own; resolves once it listens. */
export async function startServer(kind: ServerKind): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    [
      // A young generation large enough for a request's garbage: the emulators' pauses are
      // not what is measured.
      "--max-semi-space-size=64",
      "--import",
      "tsx",
      join(import.meta.dirname, "server-main.ts"),
      kind,
    ],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the ${kind} server exited (code ${code}) before it listened`);
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = once(lines, "line").then(([line]) => line as string);
  const line = await Promise.race([firstLine, exited]);
  exited.catch(() => {});
  lines.close();
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      await gone;
    },
  };
}
