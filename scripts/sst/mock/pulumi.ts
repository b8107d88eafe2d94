/**
 * Pulumi's unit-test mocks (`runtime.setMocks`), from the platform's own @pulumi/pulumi, set up
 * to record every resource (inputs, resource options, the id and outputs the mock gave it),
 * every provider function call and the outputs of SST's link references. Pulumi's runtime
 * state is global to the process: one mock run per process.
 */
import { execFileSync } from "node:child_process";
import { requireFromPlatform } from "../platform";
import { fakeCall, fakeResourceState } from "./aws";
import type { LinkRef, RecordedCall, RecordedResource } from "./types";

type Props = Record<string, unknown>;

interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Props;
  custom?: boolean;
}
interface Mocks {
  newResource(args: MockResourceArgs): Promise<{ id: string | undefined; state: Props }>;
  call(args: { token: string; inputs: Props }): Promise<Props>;
}
interface PulumiSdk {
  Output: { prototype: { apply(func: (value: unknown) => unknown, ...rest: unknown[]): unknown } };
  runtime: {
    setMocks(mocks: Mocks, project: string, stack: string, preview: boolean): Promise<void>;
    runInPulumiStack(program: () => Promise<unknown>): Promise<unknown>;
    disconnect(): Promise<void>;
  };
}
/** The parts of the mock monitor's gRPC requests that are read here. */
interface RegisterRequest {
  getParent(): string;
  getRetainondelete?(): boolean;
  getProtect?(): boolean;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): unknown;
}
type Callback = (...args: unknown[]) => void;
interface MockMonitor {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(request: RegisterRequest, callback: Callback): unknown;
  registerResourceOutputs(request: OutputsRequest, callback: Callback): unknown;
}

export interface Recording {
  resources: RecordedResource[];
  calls: RecordedCall[];
  links: Record<string, LinkRef>;
  /** Recordings still being put into plain data. */
  pending: Promise<void>[];
  /** Errors thrown by `apply` callbacks (SST's or the app's): each one fails a real deploy. */
  applyErrors: unknown[];
}

/** Pulumi marks secret values with this signature; the recording keeps their plain values. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Plain JSON data: secrets unwrapped, assets and archives replaced by their path. */
export async function plain(value: unknown): Promise<unknown> {
  if (value === null || typeof value !== "object") return value;
  const object = value as Props;
  if (object[SIG_KEY] === SECRET_SIG) return plain(object.value);
  if (object.__pulumiAsset || object.__pulumiArchive) {
    const path = await (object.path as Promise<string> | undefined);
    return { [object.__pulumiAsset ? "asset" : "archive"]: path ?? "(inline)" };
  }
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  const entries = await Promise.all(
    Object.entries(object).map(async ([key, item]) => [key, await plain(item)] as const),
  );
  return Object.fromEntries(entries.filter(([, item]) => item !== undefined));
}

/** Installs the mocks; returns the Pulumi SDK to run the program with and what gets recorded. */
export async function installMocks(app: { name: string; stage: string }, region: string) {
  const require = requireFromPlatform();
  const pulumi = require("@pulumi/pulumi") as PulumiSdk;
  const monitor = (
    require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: MockMonitor } }
  ).MockMonitor.prototype;
  const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(struct: unknown): Props;
  };
  const recording: Recording = {
    resources: [],
    calls: [],
    links: {},
    pending: [],
    applyErrors: [],
  };

  // An error thrown in an apply rejects its output; depending on who consumes the output it
  // surfaces as an unhandled rejection or only as resources that never get registered. Record
  // it where it is thrown.
  const apply = pulumi.Output.prototype.apply;
  pulumi.Output.prototype.apply = function (func, ...rest) {
    const recorded = async (value: unknown) => {
      try {
        return await func(value);
      } catch (error) {
        recording.applyErrors.push(error);
        throw error;
      }
    };
    return apply.call(this, recorded, ...rest);
  };

  // The engine leaves the root stack out of child URNs and the mock monitor does not, which
  // would turn SST's link types into "pulumi.pulumi.Stack$sst.aws.Bucket".
  const newUrn = monitor.newUrn;
  monitor.newUrn = function (parent, type, name) {
    const topLevel = parent && parent.split("::")[2] === "pulumi:pulumi:Stack";
    return newUrn.call(this, topLevel ? "" : parent, type, name);
  };
  // The mocks' newResource does not see resource options: read them from the request, which
  // is at hand while registerResource calls newResource (synchronously).
  const registerResource = monitor.registerResource;
  let current: RegisterRequest | undefined;
  monitor.registerResource = function (request, callback) {
    current = request;
    try {
      return registerResource.call(this, request, callback);
    } finally {
      current = undefined;
    }
  };
  const registerResourceOutputs = monitor.registerResourceOutputs;
  monitor.registerResourceOutputs = function (request, callback) {
    const urn = request.getUrn();
    if (urn.split("::").at(-2)?.endsWith("sst:sst:LinkRef")) {
      const outputs = deserializeProperties(request.getOutputs());
      recording.pending.push(
        plain(outputs).then((value) => {
          const { target, properties, include } = value as Props;
          recording.links[String(target)] = { properties, include } as LinkRef;
        }),
      );
    }
    return registerResourceOutputs.call(this, request, callback);
  };

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const resource: RecordedResource = {
          type: args.type,
          name: args.name,
          custom: args.custom === true,
          parent: current?.getParent() || undefined,
          retainOnDelete: current?.getRetainondelete?.() || undefined,
          protect: current?.getProtect?.() || undefined,
          inputs: {},
        };
        recording.resources.push(resource);
        resource.inputs = (await plain(args.inputs)) as Props;
        if (!resource.custom) return { id: undefined, state: {} };
        if (args.type === "command:local:Command") runLocalCommand(resource.inputs);
        const { id, state } = fakeResourceState(args.type, args.name, resource.inputs, region);
        resource.id = id;
        resource.state = state;
        return { id, state: { ...args.inputs, ...state } };
      },
      async call(args) {
        recording.calls.push({ token: args.token, inputs: (await plain(args.inputs)) as Props });
        return fakeCall(args.token, args.inputs, region);
      },
    },
    app.name,
    app.stage,
    false,
  );
  return { pulumi, recording };
}

/**
 * A local command (a static site's build) runs as `sst deploy` runs it: in its folder, with its
 * environment, so that what it writes (the site's files) is there for what reads it next.
 */
function runLocalCommand(inputs: Props): void {
  const command = String(inputs.create ?? "");
  if (!command) return;
  execFileSync("/bin/sh", ["-c", command], {
    cwd: typeof inputs.dir === "string" ? inputs.dir : undefined,
    env: { ...process.env, ...(inputs.environment as Record<string, string> | undefined) },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
