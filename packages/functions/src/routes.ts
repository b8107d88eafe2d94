/**
 * The HTTP route table: the one list of routes, used by the SST config (`infra/api.ts`) to
 * create API Gateway routes and by the local stack to dispatch requests, so the two cannot
 * drift. Pure data: importing it loads nothing else.
 */

/** Resources a function may be linked to (names of the SST components in `infra/`). */
export type LinkName = "FileBucket" | "FileIndex";

export interface RouteDefinition {
  /** An API Gateway route key method; `ANY` catches the methods no other route serves. */
  method: "GET" | "HEAD" | "PUT" | "DELETE" | "POST" | "ANY";
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
}

const http = (file: string) => `packages/functions/src/http/${file}.handler`;

export const ROUTES: readonly RouteDefinition[] = [
  { method: "GET", path: "/files", handler: http("list-files"), link: ["FileIndex"] },
  {
    method: "GET",
    path: "/files/{key+}",
    handler: http("get-file"),
    link: ["FileIndex", "FileBucket"],
    timeoutSeconds: 15,
  },
  {
    method: "HEAD",
    path: "/files/{key+}",
    handler: http("head-file"),
    link: ["FileIndex"],
    timeoutSeconds: 15,
  },
  {
    method: "PUT",
    path: "/files/{key+}",
    handler: http("put-file"),
    link: ["FileIndex", "FileBucket"],
  },
  {
    method: "DELETE",
    path: "/files/{key+}",
    handler: http("delete-file"),
    link: ["FileIndex", "FileBucket"],
  },
  { method: "GET", path: "/audit", handler: http("get-audit"), link: ["FileIndex"] },
  { method: "ANY", path: "/files", handler: http("method-not-allowed"), link: [] },
  { method: "ANY", path: "/files/{key+}", handler: http("method-not-allowed"), link: [] },
  { method: "ANY", path: "/audit", handler: http("method-not-allowed"), link: [] },
];

/** The methods served on `path`, for `Allow` headers (HEAD and OPTIONS are listed where they work). */
export function allowedMethods(path: string): string[] {
  return ROUTES.filter((route) => route.path === path && route.method !== "ANY").map(
    (route) => route.method,
  );
}

/** The queue subscriber that keeps the index. */
export const SUBSCRIBER = {
  handler: "packages/functions/src/events/subscriber.handler",
  link: ["FileIndex", "FileBucket"] as readonly LinkName[],
};
