/**
 * Redirect cost: the GET and PUT route handlers, invoked in-process with an API Gateway
 * event, what they ask of the table (the index lookup, the grant's audit record, the tenant's
 * limits and usage) answered by stubs, against three ways of presigning the same
 * object: the SDK's `getSignedUrl` with one shared client, `S3RequestPresigner` on a prebuilt
 * request, and the SigV4 arithmetic alone (bench/lib/sigv4.ts).
 */
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl, S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { parseKeyring } from "@filegate/core/attest";
import type { FileView } from "@filegate/core/files";
import { createPresigner } from "@filegate/core/storage";
import { Sha256 } from "../../packages/core/src/storage/sha256";
import type { HttpEvent, HttpResult } from "../../packages/functions/src/http/boundary";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { httpEvent } from "../lib/events";
import { timeRounds } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { createFloorPresigner, rfc3986 } from "../lib/sigv4";
import { progress, type Suite } from "../lib/suite";

const KEY = "docs/2026/Q4 report (final).pdf";
const OBJECT_KEY = `tenants/${BENCH.tenant}/${KEY}`;
const CONTENT_TYPE = "application/pdf";
const EXPIRES = 300;
const ORIGIN = `https://${BENCH.bucket}.s3.${BENCH.region}.amazonaws.com`;
const PATH = `/${OBJECT_KEY.split("/").map(rfc3986).join("/")}`;
const CHECKSUMS: S3ClientConfig = {
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
};

export const run: Suite = async (options) => {
  // Presigned URLs as on AWS: no endpoint override, credentials from the environment.
  useHandlerEnvironment(handlerEnvironment());
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
  const getHandler = getFile({ files, grants });
  const putHandler = putFile({ files, grants, accounts });
  const getEvent = httpEvent({ method: "GET", route: "/files/{key+}", key: KEY });
  const putEvent = httpEvent({
    method: "PUT",
    route: "/files/{key+}",
    key: KEY,
    headers: { "content-type": CONTENT_TYPE },
  });

  // (a) What most projects do: one shared client, a command per URL.
  const client = new S3Client({ region: BENCH.region, ...CHECKSUMS });
  const sdkGet = (signingDate?: Date) =>
    getSignedUrl(client, new GetObjectCommand({ Bucket: BENCH.bucket, Key: OBJECT_KEY }), {
      expiresIn: EXPIRES,
      ...(signingDate ? { signingDate } : {}),
    });
  const sdkPut = (signingDate?: Date) =>
    getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: BENCH.bucket, Key: OBJECT_KEY, ContentType: CONTENT_TYPE }),
      // Sign Content-Type as Filegate does (getSignedUrl leaves it out unless asked).
      {
        expiresIn: EXPIRES,
        signableHeaders: new Set(["content-type"]),
        ...(signingDate ? { signingDate } : {}),
      },
    );

  // (b) The same package's signer on a request built once.
  const signer = new S3RequestPresigner({
    credentials: BENCH.credentials,
    region: BENCH.region,
    sha256: Sha256,
  });
  const hostname = new URL(ORIGIN).hostname;
  const getRequest = {
    method: "GET",
    protocol: "https:",
    hostname,
    path: PATH,
    query: {},
    headers: { host: hostname },
  };
  const putRequest = {
    ...getRequest,
    method: "PUT",
    headers: { ...getRequest.headers, "content-type": CONTENT_TYPE },
  };
  const contentTypeOnly = new Set(["content-type"]);

  // (c) The floor: SigV4 on node:crypto, signing key cached.
  const floor = createFloorPresigner({
    ...BENCH.credentials,
    region: BENCH.region,
    origin: ORIGIN,
  });
  const floorGet = (signingDate = new Date(), query?: Record<string, string>) =>
    floor({
      method: "GET",
      path: PATH,
      expiresIn: EXPIRES,
      signingDate,
      ...(query ? { query } : {}),
    });
  const floorPut = (signingDate = new Date(), query?: Record<string, string>) =>
    floor({
      method: "PUT",
      path: PATH,
      expiresIn: EXPIRES,
      signingDate,
      headers: { "Content-Type": CONTENT_TYPE },
      ...(query ? { query } : {}),
    });

  const checks = await verify({
    getHandler,
    putHandler,
    getEvent,
    putEvent,
    sdkGet,
    sdkPut,
    floorGet,
    floorPut,
  });

  progress("redirect", "timing handlers and presigners");
  // Nothing here waits on anything: CPU time is the cost, and it is what a busy machine
  // leaves alone (the wall clock would also count the time the process was not scheduled).
  const rounds = options.quick
    ? { rounds: 3, roundMs: 10, warmupMs: 30 }
    : { rounds: 21, roundMs: 60, warmupMs: 400 };
  const samples = await timeRounds(
    [
      { id: "get.handler", run: () => getHandler(getEvent) },
      { id: "get.getSignedUrl", run: () => sdkGet() },
      { id: "get.presigner", run: () => signer.presign(getRequest, { expiresIn: EXPIRES }) },
      { id: "get.floor", run: () => floorGet() },
      { id: "put.handler", run: () => putHandler(putEvent) },
      { id: "put.getSignedUrl", run: () => sdkPut() },
      {
        id: "put.presigner",
        run: () =>
          signer.presign(putRequest, {
            expiresIn: EXPIRES,
            signableHeaders: contentTypeOnly,
            unhoistableHeaders: contentTypeOnly,
          }),
      },
      { id: "put.floor", run: () => floorPut() },
    ],
    rounds,
  );

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
};

/**
 * The floor must sign exactly what Filegate and the SDK sign, or it proves nothing: the same
 * URL as Filegate's presigner, byte for byte, and as getSignedUrl (which adds `x-id` and sorts
 * the query). The handlers' own answers must carry URLs the floor reproduces.
 */
type Handler = (event: HttpEvent) => Promise<HttpResult>;

async function verify(parts: {
  getHandler: Handler;
  putHandler: Handler;
  getEvent: HttpEvent;
  putEvent: HttpEvent;
  sdkGet: (signingDate: Date) => Promise<string>;
  sdkPut: (signingDate: Date) => Promise<string>;
  floorGet: (signingDate: Date, query?: Record<string, string>) => string;
  floorPut: (signingDate: Date, query?: Record<string, string>) => string;
}): Promise<Record<string, boolean>> {
  const signingDate = new Date("2026-11-25T12:00:00Z");
  const filegate = createPresigner({
    bucket: BENCH.bucket,
    region: BENCH.region,
    credentials: BENCH.credentials,
    expiresIn: EXPIRES,
    now: () => signingDate,
  });
  const filegateGet = await filegate.presign({ method: "GET", objectKey: OBJECT_KEY });
  const filegatePut = await filegate.presign({
    method: "PUT",
    objectKey: OBJECT_KEY,
    headers: { "Content-Type": CONTENT_TYPE },
  });
  const handlerUrl = async (handler: Handler, event: HttpEvent, floor: typeof parts.floorGet) => {
    const answer = await handler(event);
    const location = String(answer.headers?.Location ?? "");
    const amzDate = new URL(location).searchParams.get("X-Amz-Date") ?? "";
    const date = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    // A write grant signs its id and attestation into the URL as object metadata: sign the
    // same in the floor.
    const params = new URL(location).searchParams;
    const signed = ["x-amz-meta-filegate-grant", "x-amz-meta-filegate-attestation"].flatMap(
      (name) => {
        const value = params.get(name);
        return value ? [[name, value] as const] : [];
      },
    );
    const query = signed.length > 0 ? Object.fromEntries(signed) : undefined;
    return answer.statusCode === 307 && sameUrl(location, floor(date, query));
  };
  return {
    "floor URL = Filegate presigner URL (GET)": parts.floorGet(signingDate) === filegateGet.url,
    "floor URL = Filegate presigner URL (PUT, Content-Type signed)":
      parts.floorPut(signingDate) === filegatePut.url,
    "floor URL = getSignedUrl URL (GET)": sameUrl(
      parts.floorGet(signingDate, { "x-id": "GetObject" }),
      await parts.sdkGet(signingDate),
    ),
    "floor URL = getSignedUrl URL (PUT)": sameUrl(
      parts.floorPut(signingDate, { "x-id": "PutObject" }),
      await parts.sdkPut(signingDate),
    ),
    "GET handler answers 307 to the floor's URL": await handlerUrl(
      parts.getHandler,
      parts.getEvent,
      parts.floorGet,
    ),
    "PUT handler answers 307 to the floor's URL": await handlerUrl(
      parts.putHandler,
      parts.putEvent,
      parts.floorPut,
    ),
  };
}

/** The same URL up to the order of its query parameters. */
function sameUrl(a: string, b: string): boolean {
  const parse = (url: string) => {
    const [base, query = ""] = url.split("?");
    return `${base}?${query.split("&").sort().join("&")}`;
  };
  return parse(a) === parse(b);
}
