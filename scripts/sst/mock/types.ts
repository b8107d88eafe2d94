/** What one mock run of the SST app records: the JSON the runner writes, read by the tests. */

/** `deploy` runs `run()` as `sst deploy` does; `dev` as `sst dev` does (functions are live). */
export type Mode = "deploy" | "dev";

export interface MockRunOptions {
  stage: string;
  mode: Mode;
  /** SST secrets, as `sst secret set` would provide them (`SST_SECRET_<Name>`). */
  secrets: Record<string, string>;
  /** Bundle every handler as a deploy does; otherwise only check each handler's own module. */
  bundle: boolean;
  region: string;
  /** The CLI's work folder: function bundles and code zips go to its `artifacts` folder. */
  work?: string;
}

/** The app as `app()` of sst.config.ts describes it for the stage (SST's `$app`). */
export interface AppInfo {
  name: string;
  stage: string;
  removal: "remove" | "retain" | "retain-all";
  protect: boolean;
  home: string;
  providers: Record<string, Record<string, unknown>>;
}

export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:sqs/queue:Queue`, or an SST component type, `sst:aws:Queue`. */
  type: string;
  name: string;
  /** True for provider resources (the ones AWS would create), false for components. */
  custom: boolean;
  parent?: string;
  /** The physical id the mock gave it (what other resources receive as `.id`). */
  id?: string;
  /** Outputs the mock computed beyond the inputs (arn, url, name...). */
  state?: Record<string, unknown>;
  inputs: Record<string, unknown>;
  retainOnDelete?: boolean;
  protect?: boolean;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

/** A function's handler as SST asked the CLI to build it (deploy) or to serve it live (dev). */
export interface HandlerTarget {
  functionID: string;
  /** `<file without extension>.<export>`, relative to the root, as in the route table. */
  handler: string;
  /** What `Resource` holds at runtime: the linked components and their properties. */
  links: Record<string, Record<string, unknown>>;
  runtime?: string;
  /** The source file the handler resolved to, relative to the root; absent if none. */
  file?: string;
  /** The names the module exports. */
  exports: string[];
  /** The repository's own source files in the handler's bundle (not node_modules). */
  sources: string[];
  /** Built with code splitting (`nodejs.splitting`): chunks beside `bundle.mjs`. */
  splitting: boolean;
  /** The folder the function's code is zipped from (deploy mode): bundle.mjs, resource.enc. */
  out?: string;
  /** Why the handler could not be built; empty when it was. */
  errors: string[];
}

/** A linkable component as `Resource` and `sst-env.d.ts` see it (SST's LinkRef outputs). */
export interface LinkRef {
  properties: Record<string, unknown>;
  include?: { type: string; [key: string]: unknown }[];
}

export interface MockRun {
  sstVersion: string;
  mode: Mode;
  app: AppInfo;
  /** What `run()` returned (plus SST's `_protect`). */
  outputs: Record<string, unknown>;
  links: Record<string, LinkRef>;
  resources: RecordedResource[];
  calls: RecordedCall[];
  /** Methods of SST's CLI RPC server the program called, in order. */
  rpcMethods: string[];
  /** `Runtime.Build` requests (deploy mode). */
  builds: HandlerTarget[];
  /** `Runtime.AddTarget` requests (dev mode: functions the CLI runs live on this machine). */
  devTargets: HandlerTarget[];
}
