/**
 * The three ways of presigning the redirect suite's object that its handlers are measured
 * against: the SDK's `getSignedUrl` with one shared client, `S3RequestPresigner` on a
 * prebuilt request, and the SigV4 arithmetic alone (bench/lib/sigv4.ts).
 */
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl, S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { Sha256 } from "../../../packages/core/src/storage/sha256";
import { BENCH } from "../../lib/environment";
import { createFloorPresigner, rfc3986 } from "../../lib/sigv4";

/** The file the handlers redirect to. */
export const KEY = "docs/2026/Q4 report (final).pdf";
/** Its object in the bucket. */
export const OBJECT_KEY = `tenants/${BENCH.tenant}/${KEY}`;
/** Its Content-Type, signed into a PUT. */
export const CONTENT_TYPE = "application/pdf";
/** Seconds a URL is valid. */
export const EXPIRES = 300;
const ORIGIN = `https://${BENCH.bucket}.s3.${BENCH.region}.amazonaws.com`;
const PATH = `/${OBJECT_KEY.split("/").map(rfc3986).join("/")}`;
const CHECKSUMS: S3ClientConfig = {
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
};

/** A URL signed by the floor at a date, with query parameters signed in beside its own. */
export type FloorSign = (signingDate?: Date, query?: Record<string, string>) => string;

/** The three ways of presigning the object, for GET and PUT. */
export interface Presigners {
  /** (a) getSignedUrl with one shared client. */
  sdkGet: (signingDate?: Date) => Promise<string>;
  sdkPut: (signingDate?: Date) => Promise<string>;
  /** (b) S3RequestPresigner on a request built once. */
  presignerGet: () => Promise<unknown>;
  presignerPut: () => Promise<unknown>;
  /** (c) The SigV4 floor. */
  floorGet: FloorSign;
  floorPut: FloorSign;
}

/** The three presigners the handlers are measured against. */
export function createPresigners(): Presigners {
  return { ...sdkPresigners(), ...requestPresigners(), ...floorPresigners() };
}

/** (a) What most projects do: one shared client, a command per URL. */
function sdkPresigners(): Pick<Presigners, "sdkGet" | "sdkPut"> {
  const client = new S3Client({ region: BENCH.region, ...CHECKSUMS });
  return {
    sdkGet: (signingDate) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: BENCH.bucket, Key: OBJECT_KEY }), {
        expiresIn: EXPIRES,
        ...(signingDate ? { signingDate } : {}),
      }),
    sdkPut: (signingDate) =>
      getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: BENCH.bucket, Key: OBJECT_KEY, ContentType: CONTENT_TYPE }),
        // Sign Content-Type as Filegate does (getSignedUrl leaves it out unless asked).
        {
          expiresIn: EXPIRES,
          signableHeaders: new Set(["content-type"]),
          ...(signingDate ? { signingDate } : {}),
        },
      ),
  };
}

/** (b) The same package's signer on a request built once. */
function requestPresigners(): Pick<Presigners, "presignerGet" | "presignerPut"> {
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
  return {
    presignerGet: () => signer.presign(getRequest, { expiresIn: EXPIRES }),
    presignerPut: () =>
      signer.presign(putRequest, {
        expiresIn: EXPIRES,
        signableHeaders: contentTypeOnly,
        unhoistableHeaders: contentTypeOnly,
      }),
  };
}

/** (c) The floor: SigV4 on node:crypto, signing key cached. */
function floorPresigners(): Pick<Presigners, "floorGet" | "floorPut"> {
  const floor = createFloorPresigner({
    ...BENCH.credentials,
    region: BENCH.region,
    origin: ORIGIN,
  });
  return {
    floorGet: (signingDate = new Date(), query) =>
      floor({
        method: "GET",
        path: PATH,
        expiresIn: EXPIRES,
        signingDate,
        ...(query ? { query } : {}),
      }),
    floorPut: (signingDate = new Date(), query) =>
      floor({
        method: "PUT",
        path: PATH,
        expiresIn: EXPIRES,
        signingDate,
        headers: { "Content-Type": CONTENT_TYPE },
        ...(query ? { query } : {}),
      }),
  };
}
