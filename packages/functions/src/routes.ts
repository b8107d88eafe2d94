/**
 * The HTTP route table: the one list of routes, used by the SST config (`infra/api.ts`) to
 * create API Gateway routes and by the local stack to dispatch requests, so the two cannot
 * drift. Pure data: importing it loads nothing else.
 */

/** Resources a function may be linked to (names of the SST components in `infra/`). */
export type LinkName = "FileBucket" | "FileIndex";

export interface RouteDefinition {
  /** An API Gateway route key method; `ANY` catches the methods no other route serves. */
  method: "GET" | "HEAD" | "PUT" | "DELETE" | "POST" | "OPTIONS" | "ANY";
  /** An API Gateway path template (`{name}` or greedy `{name+}` parameters). */
  path: string;
  /** Handler, relative to the repository root, as SST wants it: `<file without .ts>.<export>`. */
  handler: string;
  /** The resources this handler reads or writes, and nothing else. */
  link: readonly LinkName[];
  /** Whether the handler reads the request body (the local stack buffers it only then). */
  body?: boolean;
  /** Function timeout in seconds (default 10); reads that may wait (`?wait=`) get more. */
  timeoutSeconds?: number;
  /**
   * Who may call it: `jwt` (the default) only callers whose bearer token the JWT authorizer
   * verified; `none` anyone, which only CORS preflights (they never carry a token) may be.
   */
  auth?: "jwt" | "none";
}

const http = (file: string) => `packages/functions/src/http/${file}.handler`;

const BOTH: readonly LinkName[] = ["FileIndex", "FileBucket"];
const INDEX: readonly LinkName[] = ["FileIndex"];

export const ROUTES: readonly RouteDefinition[] = [
  { method: "GET", path: "/files", handler: http("list-files"), link: INDEX },
  {
    method: "GET",
    path: "/files/{key+}",
    handler: http("get-file"),
    link: BOTH,
    timeoutSeconds: 15,
  },
  {
    method: "HEAD",
    path: "/files/{key+}",
    handler: http("head-file"),
    link: INDEX,
    timeoutSeconds: 15,
  },
  { method: "PUT", path: "/files/{key+}", handler: http("put-file"), link: BOTH },
  { method: "DELETE", path: "/files/{key+}", handler: http("delete-file"), link: BOTH },
  { method: "GET", path: "/audit", handler: http("get-audit"), link: INDEX },
  { method: "POST", path: "/uploads", handler: http("create-upload"), link: BOTH, body: true },
  { method: "GET", path: "/uploads/{id}", handler: http("get-upload"), link: INDEX },
  { method: "DELETE", path: "/uploads/{id}", handler: http("abort-upload"), link: BOTH },
  { method: "GET", path: "/uploads/{id}/parts", handler: http("sign-parts"), link: BOTH },
  {
    method: "POST",
    path: "/uploads/{id}/complete",
    handler: http("complete-upload"),
    link: BOTH,
    body: true,
  },
  { method: "GET", path: "/usage", handler: http("get-usage"), link: INDEX },
  {
    method: "PUT",
    path: "/tenants/{tenant}/limits",
    handler: http("put-limits"),
    link: INDEX,
    body: true,
  },
  // Browsers' CORS preflights carry no token: they must not reach the catch-all's authorizer.
  { method: "OPTIONS", path: "/{proxy+}", handler: http("preflight"), link: [], auth: "none" },
  // Everything else: 405 with Allow on a known path, 404 on an unknown one.
  { method: "ANY", path: "/{proxy+}", handler: http("no-route"), link: [] },
];

/**
 * The parameters of `path` under a route template (`{name}` is one segment, a trailing
 * `{name+}` the rest of the path), or `undefined` when it does not match.
 *
 * @example matchPath("/uploads/{id}/parts", "/uploads/u1/parts") // { id: "u1" }
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names = template.split("/");
  const values = path.split("/");
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const greedy = /^\{(\w+)\+\}$/.exec(name);
    if (greedy) {
      // A greedy parameter takes the rest, even empty: the handler says why that is wrong.
      if (values.length <= i) return undefined;
      params[greedy[1] as string] = values.slice(i).join("/");
      return params;
    }
    const value = values[i];
    if (value === undefined) return undefined;
    const single = /^\{(\w+)\}$/.exec(name);
    if (single) {
      if (value === "") return undefined;
      params[single[1] as string] = value;
    } else if (name !== value) {
      return undefined;
    }
  }
  return names.length === values.length ? params : undefined;
}

/** The methods served on a concrete `path`, for `Allow` headers; empty for an unknown path. */
export function allowedMethods(path: string): string[] {
  return ROUTES.filter(
    (route) => route.method !== "ANY" && route.method !== "OPTIONS" && matchPath(route.path, path),
  ).map((route) => route.method);
}

/** A function run on a schedule (an EventBridge Scheduler expression). */
export interface JobDefinition {
  handler: string;
  link: readonly LinkName[];
  schedule: `rate(${string})` | `cron(${string})`;
  timeoutMinutes: number;
  memoryMB?: number;
  /** Variables of its own, beside the settings every function gets. */
  environment?: Record<string, string>;
  /** Whether the local stack runs it on its timer (default true). */
  local?: boolean;
}

/** The scheduled jobs, used by `infra/jobs.ts` (and run by the local stack). */
export const JOBS = {
  /** Expires upload intents that were never used: releases their quota, aborts multipart. */
  sweepUploads: {
    handler: "packages/functions/src/jobs/sweep-uploads.handler",
    link: ["FileIndex", "FileBucket"],
    schedule: "rate(15 minutes)",
    timeoutMinutes: 5,
  },
  /**
   * Compares every tenant's objects with the index and repairs the index; invoke it by hand
   * for one tenant with `{"tenant": "acme"}` (docs/operations.md). The local stack runs it at
   * start rather than on this schedule.
   */
  reconciler: {
    handler: "packages/functions/src/scheduled/reconcile.handler",
    link: ["FileIndex", "FileBucket"],
    schedule: "rate(1 hour)",
    timeoutMinutes: 15,
    memoryMB: 1024,
    environment: { FILEGATE_RECONCILE_GRACE_SECONDS: "120" },
    local: false,
  },
} as const satisfies Record<string, JobDefinition>;

/** The queue subscriber that keeps the index. */
export const SUBSCRIBER = {
  handler: "packages/functions/src/events/subscriber.handler",
  link: ["FileIndex", "FileBucket"] as readonly LinkName[],
};
