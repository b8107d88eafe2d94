/**
 * A stand-in for the sst CLI's RPC server (`SST_SERVER`), which SST's components call during
 * `run()`: building function code, registering live functions in `sst dev`, and the
 * bootstrap resources of the AWS home. Everything is answered on this machine.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ACCOUNT } from "./aws";
import { type BuildRequest, buildHandler } from "./build";
import type { HandlerTarget } from "./types";

export interface RpcServer {
  url: string;
  methods: string[];
  builds: HandlerTarget[];
  devTargets: HandlerTarget[];
  close(): Promise<void>;
}

export async function startRpcServer(options: {
  root: string;
  work: string;
  sstVersion: string;
  bundle: boolean;
}): Promise<RpcServer> {
  const methods: string[] = [];
  const builds: HandlerTarget[] = [];
  const devTargets: HandlerTarget[] = [];
  const appsync = {
    http: "mock.appsync-api.example",
    realtime: "mock.appsync-realtime-api.example",
  };
  const handlers: Record<string, (params: Record<string, unknown>) => Promise<unknown>> = {
    "Runtime.Build": async (params) => {
      const request = params as unknown as BuildRequest;
      if (request.bundle) {
        return { handler: request.handler, out: request.bundle, errors: [], sourcemaps: [] };
      }
      const out = join(options.work, "artifacts", `${request.functionID}-src`);
      const { result, target } = await buildHandler(request, { ...options, out });
      builds.push(target);
      return result;
    },
    "Runtime.AddTarget": async (params) => {
      const { target } = await buildHandler(params as unknown as BuildRequest, options);
      devTargets.push(target);
      return {};
    },
    "Provider.Aws.Bootstrap": async (params) => {
      const region = String(params.region);
      return {
        asset: `sst-asset-mock-${region}`,
        assetEcrRegistryId: ACCOUNT,
        assetEcrUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/sst-asset`,
        state: `sst-state-mock-${region}`,
        appsyncHttp: appsync.http,
        appsyncRealtime: appsync.realtime,
      };
    },
    "Provider.Aws.Appsync": async () => appsync,
  };

  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", async () => {
      let reply: { result?: unknown; error?: string };
      try {
        const { method, params } = JSON.parse(body) as { method: string; params?: unknown[] };
        methods.push(method);
        const handler = handlers[method];
        reply = handler
          ? { result: await handler((params?.[0] ?? {}) as Record<string, unknown>) }
          : { error: `rpc: can't find method ${method}` };
      } catch (error) {
        reply = { error: error instanceof Error ? error.message : String(error) };
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    methods,
    builds,
    devTargets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
