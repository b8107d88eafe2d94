import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startStack } from "./helpers/stack";
import { runWalkthrough, scratchCheckout, walkthroughCommands } from "./helpers/walkthrough";

/**
 * Runs the README's curl walkthrough as written against a stack on free ports. Only the
 * `API=` line is pointed at that stack, `FILEGATE_DIR` tells `npm run token` where the stack
 * keeps its state, and a short pause stands in for the human typing before each listing.
 */
let stack: RunningStack;
let workdir: string;
let commands: string[];

beforeAll(async () => {
  commands = await walkthroughCommands("## Walkthrough with curl", "In a second terminal:");
  workdir = await scratchCheckout();
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("the README walkthrough", () => {
  it("works as written", async () => {
    const script = commands
      .map((command) => (command.startsWith("API=") ? `API=${stack.state.apiUrl}` : command))
      .map(
        (command) =>
          `${command.includes("/files?") || command.endsWith('"$API/files"') ? "sleep 0.3; " : ""}${command}`,
      );
    const { result, outputs } = await runWalkthrough(script, {
      env: { FILEGATE_DIR: stack.dir },
      cwd: workdir,
    });
    expect(result.code, result.stderr).toBe(0);
    const byCommand = (needle: string) => {
      const index = commands.findIndex((command) => command.includes(needle));
      expect(index, needle).toBeGreaterThanOrEqual(0);
      return outputs[index] ?? "";
    };

    const [listed, listedAfter] = commands
      .map((command, i) =>
        command.includes('"$API/files') &&
        !command.includes("-L") &&
        !command.includes("-I") &&
        !command.includes("Accept")
          ? outputs[i]
          : undefined,
      )
      .filter((output): output is string => output !== undefined);
    expect(JSON.parse(listed ?? "").items).toEqual([
      expect.objectContaining({ key: "docs/hello.txt", size: 16, contentType: "text/plain" }),
    ]);
    expect(byCommand('curl -L -H "Authorization: Bearer $TOKEN" "$API/files/docs/hello.txt"')).toBe(
      "hello, filegate",
    );
    expect(byCommand("curl -I")).toMatch(/^HTTP\/1\.1 200[\s\S]*content-type: text\/plain/i);
    expect(JSON.parse(byCommand("Accept: application/json"))).toMatchObject({
      method: "GET",
      url: expect.stringContaining("/tenants/acme/docs/hello.txt?"),
    });
    expect(JSON.parse(byCommand("If-None-Match"))).toMatchObject({
      error: { code: "precondition_failed" },
    });
    expect(JSON.parse(listedAfter ?? "")).toEqual({ items: [], cursor: null });
  });
});
