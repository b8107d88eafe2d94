import { mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, type RunResult, run } from "./stack";

/**
 * The commands of a README walkthrough: the first `sh` block after `lead` in the section
 * that starts with `heading`, without blank lines and comments.
 */
export async function walkthroughCommands(heading: string, lead: string): Promise<string[]> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf(heading);
  if (at === -1) throw new Error(`README section not found: ${heading}`);
  const section = readme.slice(at);
  const block = section.slice(section.indexOf(lead)).match(/^[^\n]*\n\n```sh\n([\s\S]*?)```/)?.[1];
  if (!section.includes(lead) || !block) throw new Error(`README walkthrough not found: ${lead}`);
  return block.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

/**
 * A scratch copy of the checkout (by symlinks), so that the files a walkthrough writes land
 * outside the repository while `npm run` and `npx` work as at its root.
 */
export async function scratchCheckout(): Promise<string> {
  const workdir = await mkdtemp(join(tmpdir(), "filegate-readme-"));
  for (const entry of ["package.json", ".npmrc", "node_modules", "packages"]) {
    await symlink(join(ROOT, entry), join(workdir, entry));
  }
  return workdir;
}

const MARK = "::filegate-walkthrough::";

/**
 * Runs commands in one `bash -euo pipefail`, as a reader pasting them would, and returns
 * the run and each command's own output (trimmed), in order.
 */
export async function runWalkthrough(
  commands: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ result: RunResult; outputs: string[] }> {
  const script = commands.map((command) => `${command}; echo "${MARK}"`).join("\n");
  const result = await run("bash", ["-euo", "pipefail", "-c", script], options);
  const outputs = result.stdout.split(`${MARK}\n`).map((output) => output.trim());
  return { result, outputs };
}
