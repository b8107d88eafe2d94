/**
 * Redirect cost: the GET and PUT route handlers, invoked in-process with an API Gateway
 * event, what they ask of the table (the index lookup, the grant's audit record, the tenant's
 * limits and usage) answered by stubs, against three ways of presigning the same
 * object: the SDK's `getSignedUrl` with one shared client, `S3RequestPresigner` on a prebuilt
 * request, and the SigV4 arithmetic alone (bench/lib/sigv4.ts).
 */
import { parseKeyring } from "@filegate/core/attest";
import type { FileView } from "@filegate/core/files";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { httpEvent } from "../lib/events";
import { type Candidate, type RoundOptions, type Samples, timeRounds } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { progress, type Suite } from "../lib/suite";
import { CONTENT_TYPE, createPresigners, KEY, type Presigners } from "./redirect/presigners";
import { type Handlers, verify } from "./redirect/verify";

export const run: Suite = async (options) => {
  // Presigned URLs as on AWS: no endpoint override, credentials from the environment.
  useHandlerEnvironment(handlerEnvironment());
  const handlers = await createHandlers();
  const presigners = createPresigners();
  const checks = await verify(handlers, presigners);

  progress("redirect", "timing handlers and presigners");
  // Nothing here waits on anything: CPU time is the cost, and it is what a busy machine
  // leaves alone (the wall clock would also count the time the process was not scheduled).
  const rounds = options.quick
    ? { rounds: 3, roundMs: 10, warmupMs: 30 }
    : { rounds: 21, roundMs: 60, warmupMs: 400 };
  const samples = await timeRounds(candidates(handlers, presigners), rounds);
  return report(samples, rounds, checks);
};

/**
 * The handlers as the route table builds them, with what they ask of the table (the index
 * lookup, the grant's audit record, the tenant's limits and usage) answered by stubs.
 */
async function createHandlers(): Promise<Handlers> {
  const [{ getFile }, { putFile }, { presigner }, { GrantIssuer }] = await Promise.all([
    import("../../packages/functions/src/http/get-file"),
    import("../../packages/functions/src/http/put-file"),
    import("../../packages/functions/src/lib/presigner"),
    import("@filegate/core/audit"),
  ]);

  const view: FileView = {
    key: KEY,
    size: 52_431,
    etag: "9b2cf535f27731c974343645a3985328",
    contentType: CONTENT_TYPE,
    lastModified: "2026-11-25T12:00:00.000Z",
  };
  // The table is stubbed: the index lookup, the grant's audit record and the tenant's limits.
  const files = { getPresent: async () => view };
  const grants = new GrantIssuer(
    presigner,
    { recordGrant: async () => {} },
    parseKeyring(BENCH.attestationKeys),
  );
  const accounts = {
    standing: async () => ({
      used: { bytes: 0, objects: 0 },
      reserved: { bytes: 0, objects: 0 },
      limits: {
        maxObjectBytes: 5 * 1024 ** 4,
        maxBytes: null,
        maxObjects: null,
        allowedContentTypes: ["*/*"],
      },
    }),
  };
  return {
    getHandler: getFile({ files, grants }),
    putHandler: putFile({ files, grants, accounts }),
    getEvent: httpEvent({ method: "GET", route: "/files/{key+}", key: KEY }),
    putEvent: httpEvent({
      method: "PUT",
      route: "/files/{key+}",
      key: KEY,
      headers: { "content-type": CONTENT_TYPE },
    }),
  };
}

/** What is timed: each handler and each presigner, for GET and PUT. */
function candidates(handlers: Handlers, presigners: Presigners): Candidate[] {
  const { getHandler, putHandler, getEvent, putEvent } = handlers;
  const { sdkGet, sdkPut, presignerGet, presignerPut, floorGet, floorPut } = presigners;
  return [
    { id: "get.handler", run: () => getHandler(getEvent) },
    { id: "get.getSignedUrl", run: () => sdkGet() },
    { id: "get.presigner", run: presignerGet },
    { id: "get.floor", run: () => floorGet() },
    { id: "put.handler", run: () => putHandler(putEvent) },
    { id: "put.getSignedUrl", run: () => sdkPut() },
    { id: "put.presigner", run: presignerPut },
    { id: "put.floor", run: () => floorPut() },
  ];
}

/** The figures of each method and their ratios: the handler against each presigner. */
function report(
  samples: Map<string, Samples>,
  rounds: RoundOptions,
  checks: Record<string, boolean>,
): SuiteResult {
  const result: SuiteResult = {
    suite: "redirect",
    title:
      "1. Redirect cost (µs of CPU per request, in-process; index lookup, grant record and limits stubbed)",
    figures: [],
    ratios: [],
    checks,
    setup: {
      ...rounds,
      clock: "CPU time",
      key: KEY,
      presignerCredentials: "environment (default provider chain)",
      stubbed: "the index lookup, the grant's audit record, the tenant's limits and usage",
    },
    notes: [],
  };
  for (const method of ["get", "put"] as const) {
    const name = method.toUpperCase();
    const at = (id: string) => samples.get(`${method}.${id}`)?.cpu ?? [];
    const handler = figure(`redirect.${method}.handler`, `${name} handler`, "µs", at("handler"));
    const sdk = figure(
      `redirect.${method}.getSignedUrl`,
      `${name} (a) getSignedUrl, shared client`,
      "µs",
      at("getSignedUrl"),
    );
    const presign = figure(
      `redirect.${method}.presigner`,
      `${name} (b) S3RequestPresigner, prebuilt request`,
      "µs",
      at("presigner"),
    );
    const bare = figure(`redirect.${method}.floor`, `${name} (c) SigV4 floor`, "µs", at("floor"));
    result.figures.push(handler, sdk, presign, bare);
    result.ratios.push(
      ratio(`redirect.${method}.handler/getSignedUrl`, `${name} handler / (a)`, handler, sdk, {
        op: "<=",
        value: 0.25,
      }),
      ratio(`redirect.${method}.handler/floor`, `${name} handler / (c)`, handler, bare, {
        op: "<=",
        value: 8,
      }),
      ratio(`redirect.${method}.handler/presigner`, `${name} handler / (b)`, handler, presign),
      ratio(`redirect.${method}.getSignedUrl/floor`, `${name} (a) / (c)`, sdk, bare),
      ratio(`redirect.${method}.presigner/floor`, `${name} (b) / (c)`, presign, bare),
    );
  }
  return result;
}
