import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startStack } from "./helpers/stack";
import { runWalkthrough, scratchCheckout, walkthroughCommands } from "./helpers/walkthrough";

/**
 * Runs the README's CLI walkthrough exactly as written (with `npx filegate`) against a stack
 * on free ports: `FILEGATE_DIR` tells filegate where that stack keeps its local.json, as
 * `.filegate` at the repository root does for a reader. No pauses: `put` and `rm` wait for
 * the index themselves.
 */
let stack: RunningStack;
let workdir: string;
let commands: string[];

beforeAll(async () => {
  commands = await walkthroughCommands(
    "## Walkthrough with the CLI",
    "in another terminal at the repository root:",
  );
  workdir = await scratchCheckout();
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("the README's CLI walkthrough", () => {
  it("works as written", async () => {
    expect(commands.every((command) => !command.includes("$API"))).toBe(true);
    const { result, outputs } = await runWalkthrough(commands, {
      env: { FILEGATE_DIR: stack.dir, FILEGATE_URL: "", FILEGATE_TOKEN: "" },
      cwd: workdir,
    });
    expect(result.code, result.stderr).toBe(0);
    const byCommand = (needle: string) => {
      const index = commands.findIndex((command) => command.startsWith(needle));
      expect(index, needle).toBeGreaterThanOrEqual(0);
      return outputs[index] ?? "";
    };

    expect(byCommand("npx filegate put hello.txt")).toBe(
      "uploaded hello.txt → docs/hello.txt (16 B)",
    );
    expect(byCommand("npx filegate ls docs/")).toMatch(/^\S+ \S+\s+16 {2}docs\/hello\.txt$/);
    expect(byCommand("npx filegate get")).toBe("hello, filegate");
    expect(byCommand("npx filegate head")).toMatch(/^key\s+docs\/hello\.txt\nsize\s+16 \(16 B\)/);
    expect(byCommand("npx filegate head")).toMatch(/content-type\s+text\/plain/);
    expect(byCommand("npx filegate put --create-only")).toBe("refused: exit code 5");
    expect(result.stderr).toContain("The file exists, and the upload is create-only");
    expect(
      byCommand("npx filegate history")
        .split("\n")
        .map((line) =>
          line
            .split(/\s{2,}/)
            .slice(1, 4)
            .join(" "),
        ),
    ).toEqual(["grant write alice", "event write alice", "grant read alice"]);
    expect(byCommand("npx filegate rm")).toBe("deleted docs/hello.txt");
    expect(JSON.parse(byCommand("npx filegate ls --json"))).toEqual([]);
  });
});
