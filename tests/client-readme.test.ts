import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type RunningStack, run, startStack } from "./helpers/stack";
import { scratchCheckout } from "./helpers/walkthrough";

/**
 * Runs the example of packages/client/README.md as written, as its reader would (tsx, with
 * FILEGATE_URL and FILEGATE_TOKEN set), against a stack on free ports.
 */
let stack: RunningStack;
let workdir: string;
let example: string;

beforeAll(async () => {
  const readme = await readFile(join(ROOT, "packages/client/README.md"), "utf8");
  const block = /## Example\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("packages/client/README.md has no example");
  example = block;
  workdir = await scratchCheckout();
  await writeFile(join(workdir, "example.ts"), example);
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("the client README example", () => {
  it("runs as written", async () => {
    expect(example).toContain('from "@filegate/client"');
    const result = await run(join(ROOT, "node_modules/.bin/tsx"), ["example.ts"], {
      cwd: workdir,
      env: {
        FILEGATE_URL: stack.state.apiUrl,
        FILEGATE_TOKEN: await stack.token("acme", "alice"),
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    const progress = lines.filter((line) => line.startsWith("sent "));
    expect(progress.at(-1)).toBe("sent 31 of 31 bytes");
    expect(lines.filter((line) => !line.startsWith("sent "))).toEqual([
      "uploaded reports/q3.csv: 31 bytes, text/csv",
      "listed reports/q3.csv (31 bytes)",
      "north,42",
      "refused: 412 precondition_failed",
      "history: grant write by alice",
      "history: event write by alice",
      "history: grant read by alice",
      "gone",
    ]);
  });
});
