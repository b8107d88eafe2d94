import { Filegate, isFilegateError } from "@filegate/client";
import { InvalidArgumentError } from "commander";
import { resolveConfig } from "./config";
import { exitCodeOf } from "./exit-codes";
import { printJson } from "./format";
import { createReporter, type Reporter } from "./progress";

/** The flags every command understands. */
export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

/** What a command works with. */
export interface Context {
  client: Filegate;
  json: boolean;
  reporter: Reporter;
}

/** The version the CLI reports, and sends in its User-Agent. */
export const VERSION = "0.1.0";

/** A client configured from the flags, the environment or the local stack. */
export async function contextFrom(flags: GlobalFlags): Promise<Context> {
  const { url, token } = await resolveConfig(flags);
  const json = Boolean(flags.json);
  return {
    client: new Filegate({
      baseUrl: url,
      token,
      userAgent: `filegate-cli/${VERSION} node/${process.versions.node}`,
    }),
    json,
    reporter: await createReporter({ json }),
  };
}

/** What became of one item of a command run over many files. */
export interface Outcome {
  /** The line for people ("uploaded a.txt → docs/a.txt (16 B)"). */
  line: string;
  /** The item's entry in the `--json` array. */
  json: Record<string, unknown>;
}

/**
 * Runs `run` on every item, at most `limit` at a time, going on after a failure: prints
 * each success's line (and each failure on stderr), with `--json` prints every item's
 * entry at the end, and returns the exit code of the first failure (0 if none failed).
 */
export async function forEachItem<T>(
  ctx: Context,
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<Outcome>,
  failed: (item: T) => { doing: string; json: Record<string, unknown> },
): Promise<number> {
  const results: Record<string, unknown>[] = [];
  let exitCode = 0;
  await eachLimit(items, limit, async (item) => {
    try {
      const outcome = await run(item);
      results.push(outcome.json);
      ctx.reporter.line(outcome.line);
    } catch (error) {
      exitCode ||= exitCodeOf(error);
      const { doing, json } = failed(item);
      results.push({ ...json, error: errorJson(error) });
      ctx.reporter.line(`filegate: cannot ${doing}: ${errorLine(error)}`, process.stderr);
    }
  });
  if (ctx.json) printJson(results);
  return exitCode;
}

/** Runs `run` on every item, at most `limit` at a time; resolves when all are done. */
async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Parses a positive whole number option. */
export function positiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < 1) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    }
    return number;
  };
}

/** An error as `--json` output shows it. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (isFilegateError(error)) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      ...(error.requestId ? { requestId: error.requestId } : {}),
      ...(error.details ? { details: error.details } : {}),
    };
  }
  return { code: "error", message: (error as Error)?.message ?? String(error) };
}

/** An error as one line for people, with the request id to quote when there is one. */
export function errorLine(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return isFilegateError(error) && error.requestId
    ? `${message} (request ${error.requestId})`
    : message;
}
