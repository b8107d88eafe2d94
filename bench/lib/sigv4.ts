import { createHash, createHmac } from "node:crypto";

/**
 * The physical floor of a presigned S3 URL: SigV4 query signing written straight on
 * `node:crypto`, with the signing key cached per day. It exists only to be measured against:
 * Filegate signs with its own signer (packages/core/src/storage/sigv4.ts, which also resolves
 * credential providers, refuses reserved parameters and takes a payload hash), written apart
 * from this one, and the benchmark checks that both produce the very same URL.
 */
export interface FloorPresignerConfig {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  region: string;
  /** Origin the URL starts with, e.g. `https://bucket.s3.us-east-1.amazonaws.com`. */
  origin: string;
}

export interface FloorPresignInput {
  method: string;
  /** The URL path, already encoded as S3 wants it (each key segment RFC 3986-encoded). */
  path: string;
  expiresIn: number;
  signingDate: Date;
  /** Headers the client must send, signed as they are (besides `host`). */
  headers?: Record<string, string>;
  /** Query parameters that come before the signing ones (e.g. the SDK's `x-id`). */
  query?: Record<string, string>;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

export function createFloorPresigner(config: FloorPresignerConfig) {
  const host = new URL(config.origin).host;
  const token = config.sessionToken ? `&X-Amz-Security-Token=${rfc3986(config.sessionToken)}` : "";
  let cachedDay = "";
  let cachedKey: Buffer = Buffer.alloc(0);
  let cachedCredential = "";

  return (input: FloorPresignInput): string => {
    const iso = input.signingDate.toISOString();
    const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
    const amzDate = `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const scope = `${day}/${config.region}/s3/aws4_request`;
    if (day !== cachedDay) {
      const date = hmac(`AWS4${config.secretAccessKey}`, day);
      cachedKey = hmac(hmac(hmac(date, config.region), "s3"), "aws4_request");
      cachedCredential = rfc3986(`${config.accessKeyId}/${scope}`);
      cachedDay = day;
    }

    let canonicalHeaders = `host:${host}\n`;
    let signedHeaders = "host";
    if (input.headers) {
      const headers: Record<string, string> = { host };
      for (const name in input.headers) {
        headers[name.toLowerCase()] = (input.headers[name] as string).trim();
      }
      const names = Object.keys(headers).sort();
      canonicalHeaders = names.map((name) => `${name}:${headers[name]}\n`).join("");
      signedHeaders = names.join(";");
    }

    // The signing parameters, in the order the SDK writes them, so that URLs compare as strings.
    // (S3's presigner sets the token before the signer adds the rest.)
    const signing =
      `X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}${token}&X-Amz-Algorithm=${ALGORITHM}` +
      `&X-Amz-Credential=${cachedCredential}&X-Amz-Date=${amzDate}` +
      `&X-Amz-Expires=${input.expiresIn}&X-Amz-SignedHeaders=${rfc3986(signedHeaders)}`;
    // The same parameters sorted by name, as the canonical request wants them.
    let canonicalQuery =
      `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}` +
      `&X-Amz-Credential=${cachedCredential}&X-Amz-Date=${amzDate}` +
      `&X-Amz-Expires=${input.expiresIn}${token}&X-Amz-SignedHeaders=${rfc3986(signedHeaders)}`;
    let extra = "";
    if (input.query) {
      const pairs = Object.entries(input.query).map(
        ([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`,
      );
      extra = `${pairs.join("&")}&`;
      canonicalQuery = [...canonicalQuery.split("&"), ...pairs].sort(byName).join("&");
    }

    const canonicalRequest = `${input.method}\n${input.path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${UNSIGNED_PAYLOAD}`;
    const hashed = createHash("sha256").update(canonicalRequest).digest("hex");
    const signature = createHmac("sha256", cachedKey)
      .update(`${ALGORITHM}\n${amzDate}\n${scope}\n${hashed}`)
      .digest("hex");
    return `${config.origin}${input.path}?${extra}${signing}&X-Amz-Signature=${signature}`;
  };
}

/** Orders `name=value` pairs by name, then value (code points, as SigV4 wants). */
function byName(a: string, b: string): number {
  const [an = "", av = ""] = a.split("=");
  const [bn = "", bv = ""] = b.split("=");
  if (an !== bn) return an < bn ? -1 : 1;
  return av < bv ? -1 : av > bv ? 1 : 0;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
