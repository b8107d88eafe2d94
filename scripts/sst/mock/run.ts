/**
 * One offline run of the SST app: `app()` and `run()` of sst.config.ts evaluated as the sst CLI
 * evaluates them, under Pulumi's mocks, with a stand-in for the CLI's RPC server. Records what
 * `sst deploy` (or `sst dev`) would create. Once per process (Pulumi's state is global).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pinnedSstVersion, platformProblems, ROOT, sstPaths } from "../platform";
import { evaluateApp, loadProgram } from "./program";
import { installMocks, plain } from "./pulumi";
import { startRpcServer } from "./rpc";
import type { MockRun, MockRunOptions } from "./types";

export async function mockRun(options: MockRunOptions, root: string = ROOT): Promise<MockRun> {
  const sstVersion = pinnedSstVersion(root);
  const problems = platformProblems(sstVersion, root);
  if (problems.length > 0) {
    throw new Error(`.sst/platform is not ready (${problems.join("; ")}): run npm run sst:prepare`);
  }
  const paths = sstPaths(root);
  const work = options.work ?? join(paths.sst, "mock", `${options.stage}-${options.mode}`);
  mkdirSync(work, { recursive: true });

  const app = await evaluateApp(root, options.stage);
  // What the CLI hands the program: the region, the stage's secrets, its RPC server.
  process.env.SST_AWS_REGION = options.region;
  for (const [name, value] of Object.entries(options.secrets)) {
    process.env[`SST_SECRET_${name}`] = value;
  }
  const rpc = await startRpcServer({ root, work, sstVersion, bundle: options.bundle });
  process.env.SST_SERVER = rpc.url;
  const { pulumi, recording } = await installMocks(app, options.region);
  const program = await loadProgram(root, app, options.mode, work);

  // Errors end the run as they end `sst deploy`: those that surface as unhandled rejections,
  // and those thrown in applies (Pulumi's mock runtime may otherwise wait forever for what
  // depended on them). A moment after the first, every error seen so far is reported.
  const rejections: unknown[] = [];
  let failed = () => {};
  const failure = new Promise<void>((resolve) => {
    failed = resolve;
  });
  const onRejection = (reason: unknown) => {
    rejections.push(reason);
    failed();
  };
  process.on("unhandledRejection", onRejection);
  let outputs: unknown;
  try {
    await Promise.race([
      (async () => {
        outputs = await pulumi.runtime.runInPulumiStack(() => program.run(program.config.run));
        // Waits for everything still pending: applies register resources (code zips, links)
        // after run() has returned.
        await pulumi.runtime.disconnect();
        await Promise.all(recording.pending);
      })(),
      failure.then(() => new Promise((resolve) => setTimeout(resolve, 250))),
    ]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  const errors = [...rejections, ...recording.applyErrors];
  if (errors.length > 0) {
    // The RPC server stays up: requests may still be on their way, and the process ends now.
    const messages = errors.map((error) =>
      error instanceof Error ? error.message : String(error),
    );
    throw new Error([...new Set(messages)].join("\n"));
  }
  await rpc.close();
  return {
    sstVersion,
    mode: options.mode,
    app,
    outputs: (await plain(outputs)) as Record<string, unknown>,
    links: recording.links,
    resources: recording.resources,
    calls: recording.calls,
    rpcMethods: rpc.methods,
    builds: rpc.builds,
    devTargets: rpc.devTargets,
  };
}
