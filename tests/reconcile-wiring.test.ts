import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import type { ReconcileSummary } from "@filegate/core/reconcile";
import { fileStateKey } from "@filegate/core/table";
import { reconcilerEvent, SCHEDULED_EVENT } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor } from "./helpers/in-process";
import { eventually, type RunningStack, run, startStack } from "./helpers/stack";

/**
 * The local stack reconciles through the reconciler function itself (`JOBS.reconciler`), not
 * through other wiring of the same core code: what only that handler does (its structured
 * repair logs, its event contract) shows in what `npm run reconcile` and the start-up run print.
 */
async function upload(stack: RunningStack, key: string) {
  const auth = await stack.auth("acme");
  const grant = await fetch(`${stack.state.apiUrl}/files/${key}`, {
    method: "PUT",
    headers: { ...auth, Accept: "application/json" },
  });
  const { url } = (await grant.json()) as { url: string };
  expect((await fetch(url, { method: "PUT", body: new Blob(["x"]) })).status).toBe(200);
  await eventually(async () =>
    (await listKeys(stack.state.apiUrl, auth)).includes(key) ? true : undefined,
  );
}

/** The handler's Powertools log lines (JSON with its service name) among `output`. */
function handlerLogs(output: string): Array<Record<string, unknown>> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.service === "filegate");
}

describe("the events the reconciler is invoked with", () => {
  it("are the schedule's (`{}`) or one tenant's `{tenant}`", () => {
    expect(SCHEDULED_EVENT).toEqual({});
    expect(reconcilerEvent()).toEqual({});
    expect(reconcilerEvent({ tenant: "acme" })).toEqual({ tenant: "acme" });
    expect(reconcilerEvent({ tenant: "acme", dryRun: true })).toEqual({
      tenant: "acme",
      dryRun: true,
    });
  });
});

describe("npm run reconcile", () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const reconcile = async (...args: string[]) => {
    const result = await run("npm", [
      "run",
      "--silent",
      "reconcile",
      "--",
      "--dir",
      stack.dir,
      "--grace-seconds",
      "0",
      ...args,
    ]);
    expect(result.code, result.stderr).toBe(0);
    return {
      summary: JSON.parse(result.stdout) as ReconcileSummary,
      logs: handlerLogs(result.stderr),
    };
  };

  it("invokes the reconciler function's handler, which logs each repair", async () => {
    await upload(stack, "dropped.txt");
    const doc = documentClientFor(stack.state);
    await doc.send(
      new DeleteCommand({ TableName: stack.state.table, Key: fileStateKey("acme", "dropped.txt") }),
    );

    const dry = await reconcile("--tenant", "acme", "--dry-run");
    expect(dry.summary).toMatchObject({ scope: "acme", dryRun: true, found: { missing: 1 } });
    expect(dry.logs).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        message: "reconciler reported",
        key: "dropped.txt",
      }),
    );

    const real = await reconcile("--tenant", "acme");
    expect(real.summary).toMatchObject({ scope: "acme", dryRun: false, fixed: { added: 1 } });
    expect(real.logs).toContainEqual(
      expect.objectContaining({ level: "WARN", message: "reconciler added", key: "dropped.txt" }),
    );
    expect(await listKeys(stack.state.apiUrl, await stack.auth("acme"))).toContain("dropped.txt");

    const everyone = await reconcile();
    expect(everyone.summary).toMatchObject({ scope: "*", complete: true });
    doc.destroy();
  });
});

describe("the start-up run", () => {
  it("invokes the same handler with the schedule's event", async () => {
    const dir = await mkdtemp(join(tmpdir(), "filegate-startup-"));
    try {
      const first = await startStack({ dir, args: ["--dynamodb", "dynalite"] });
      try {
        await upload(first, "gone.txt");
        // Removed without an event (a batch delete): only a reconcile can see it.
        const s3 = s3ClientFor(first.state);
        await s3.send(
          new DeleteObjectsCommand({
            Bucket: first.state.bucket,
            Delete: { Objects: [{ Key: "tenants/acme/gone.txt" }] },
          }),
        );
        s3.destroy();
      } finally {
        await first.stop();
      }
      const second = await startStack({ dir, args: ["--dynamodb", "dynalite"] });
      try {
        await eventually(async () => (second.output().includes("reconciled") ? true : undefined));
        expect(second.output()).toContain("reconciled every tenant");
        expect(handlerLogs(second.output())).toContainEqual(
          expect.objectContaining({ message: "reconciler tombstoned", key: "gone.txt" }),
        );
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
