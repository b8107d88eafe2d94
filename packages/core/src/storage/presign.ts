import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { MAX_EXPIRES_SECONDS } from "./limits";
import { createQuerySigner, rfc3986 } from "./sigv4";

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
 * A presigner that needs no S3 client: SigV4 query signing on `node:crypto` (`./sigv4`), which
 * produces byte for byte the URL the SDK's `S3RequestPresigner` would, at a fraction of its
 * cost, and never puts client middleware (or a checksum of an empty body) into the URL.
 *
 * @example
 * const presigner = createPresigner({ bucket, region, credentials, expiresIn: 300 });
 * const { url } = await presigner.presign({ method: "GET", objectKey: "tenants/acme/a.txt" });
 */
export function createPresigner(config: PresignerConfig): Presigner {
  mustBeValidExpiry(config.expiresIn);
  const sign = createQuerySigner({ region: config.region });
  const { credentials } = config;
  const now = config.now ?? (() => new Date());
  const base = baseRequest(config);

  return {
    async presign({ method, objectKey, headers, query, expiresIn }) {
      const lifetime = expiresIn ?? config.expiresIn;
      mustBeValidExpiry(lifetime);
      const signingDate = now();
      const path = `${base.pathPrefix}/${encodeKeyPath(objectKey)}`;
      const signed = sign(typeof credentials === "function" ? await credentials() : credentials, {
        method,
        host: base.host,
        path,
        headers,
        query,
        expiresIn: lifetime,
        signingDate,
      });
      return {
        url: `${base.origin}${path}?${signed}`,
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
    return {
      host: url.host,
      origin: url.origin,
      pathPrefix: `${url.pathname.replace(/\/$/, "")}/${rfc3986(config.bucket)}`,
    };
  }
  const hostname = `${config.bucket}.s3.${config.region}.amazonaws.com`;
  return {
    host: hostname,
    origin: `https://${hostname}`,
    pathPrefix: "",
  };
}

/** An S3 object key as a URL path: each segment encoded, the slashes kept. */
export function encodeKeyPath(objectKey: string): string {
  return objectKey.split("/").map(rfc3986).join("/");
}
