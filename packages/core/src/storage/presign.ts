import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { MAX_EXPIRES_SECONDS } from "./limits";
import { Sha256 } from "./sha256";

export { MAX_EXPIRES_SECONDS };

export type PresignMethod = "GET" | "PUT" | "DELETE" | "HEAD";

export interface PresignerConfig {
  bucket: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Default lifetime of a URL, in seconds (1 to 604,800). */
  expiresIn: number;
  /**
   * A custom S3 endpoint (an emulator): URLs are then path-style under it. Without it, URLs
   * are virtual-hosted: `https://<bucket>.s3.<region>.amazonaws.com/<key>`.
   */
  endpoint?: string | undefined;
  /** The clock, for tests. */
  now?: () => Date;
}

export interface PresignInput {
  method: PresignMethod;
  objectKey: string;
  /**
   * Headers the client must send exactly as given; each one is signed. Use it for
   * `Content-Type`, `If-None-Match: *` and the like.
   */
  headers?: Record<string, string>;
  /** Extra query parameters, signed (for example `partNumber` and `uploadId`). */
  query?: Record<string, string>;
  expiresIn?: number;
}

/** A presigned request: what the client must send, and until when. */
export interface PresignedRequest {
  url: string;
  method: PresignMethod;
  /** Headers the client must send with the request, as signed. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface Presigner {
  presign(input: PresignInput): Promise<PresignedRequest>;
}

/**
 * A presigner that needs no S3 client: it builds the HTTP request itself and signs it with
 * the SDK's `S3RequestPresigner`, so no client middleware (and no checksum of an empty body)
 * ever gets into the URL.
 *
 * @example
 * const presigner = createPresigner({ bucket, region, credentials, expiresIn: 300 });
 * const { url } = await presigner.presign({ method: "GET", objectKey: "tenants/acme/a.txt" });
 */
export function createPresigner(config: PresignerConfig): Presigner {
  mustBeValidExpiry(config.expiresIn);
  const signer = new S3RequestPresigner({
    credentials: config.credentials,
    region: config.region,
    sha256: Sha256,
  });
  const now = config.now ?? (() => new Date());
  const base = baseRequest(config);

  return {
    async presign({ method, objectKey, headers = {}, query = {}, expiresIn }) {
      const lifetime = expiresIn ?? config.expiresIn;
      mustBeValidExpiry(lifetime);
      const signingDate = now();
      const signedHeaders = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
      const signed = await signer.presign(
        {
          method,
          protocol: base.protocol,
          hostname: base.hostname,
          ...(base.port === undefined ? {} : { port: base.port }),
          path: `${base.pathPrefix}/${encodeKeyPath(objectKey)}`,
          // The signer copies the request before it adds its parameters.
          query,
          headers: { ...headers, host: base.host },
        },
        {
          expiresIn: lifetime,
          signingDate,
          signableHeaders: signedHeaders,
          // Headers the client sends must stay headers, not move into the query string.
          unhoistableHeaders: signedHeaders,
        },
      );
      return {
        url: `${base.origin}${signed.path}?${formatQuery(signed.query ?? {})}`,
        method,
        headers: { ...headers },
        expiresAt: new Date(signingDate.getTime() + lifetime * 1000).toISOString(),
      };
    },
  };
}

function mustBeValidExpiry(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRES_SECONDS) {
    throw new RangeError(
      `Presigned URL lifetime must be an integer from 1 to ${MAX_EXPIRES_SECONDS} seconds`,
    );
  }
}

function baseRequest(config: PresignerConfig) {
  if (config.endpoint) {
    const url = new URL(config.endpoint);
    const port = url.port === "" ? undefined : Number(url.port);
    return {
      protocol: url.protocol,
      hostname: url.hostname,
      port,
      host: url.host,
      origin: url.origin,
      pathPrefix: `${url.pathname.replace(/\/$/, "")}/${encodeSegment(config.bucket)}`,
    };
  }
  const hostname = `${config.bucket}.s3.${config.region}.amazonaws.com`;
  return {
    protocol: "https:",
    hostname,
    port: undefined,
    host: hostname,
    origin: `https://${hostname}`,
    pathPrefix: "",
  };
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`. */
function encodeSegment(value: string): string {
  // Most names and values need no escape at all (the signature, the date, the algorithm).
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An S3 object key as a URL path: each segment encoded, the slashes kept. */
export function encodeKeyPath(objectKey: string): string {
  return objectKey.split("/").map(encodeSegment).join("/");
}

function formatQuery(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeSegment(name)}=${encodeSegment(item)}`);
    }
  }
  return parts.join("&");
}
