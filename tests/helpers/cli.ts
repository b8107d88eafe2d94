import { join } from "node:path";
import { ROOT, type RunResult, run } from "./stack";

/** The `filegate` bin as `npm ci` links it at the repository root (what `npx filegate` runs). */
export const FILEGATE_BIN = join(ROOT, "node_modules/.bin/filegate");

/** Runs the `filegate` command line with `args`, capturing its output and exit code. */
export function filegate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<RunResult> {
  return run(FILEGATE_BIN, args, options);
}
