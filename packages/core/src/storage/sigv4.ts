import { createHash, createHmac } from "node:crypto";

/**
 * SigV4 query signing (presigned URLs) on `node:crypto`. The SDK's `S3RequestPresigner` takes
 * three to four times as much CPU per URL, more with each signed parameter (docs/performance.md,
 * "Redirect cost"); this signer produces the very same URLs, byte for byte, which
 * `sigv4.test.ts` checks against the SDK on random input.
 */

/** The credentials a URL is signed with (the SDK's `AwsCredentialIdentity`, resolved). */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface QuerySignerConfig {
  /** The bucket's region. */
  region: string;
}

export interface QuerySignInput {
  method: string;
  /** The `host` header: the URL's host, with its port when it is not the scheme's default. */
  host: string;
  /** The URL path exactly as it is sent, already encoded (S3 signs it as it is). */
  path: string;
  /**
   * Headers the client must send, each signed (`host` and the headers SigV4 writes itself,
   * `authorization`, `date` and `x-amz-date`, are left out). An `x-amz-content-sha256` header
   * is the payload's hash the request is signed with; without it, the URL signs
   * `UNSIGNED-PAYLOAD` (as its `X-Amz-Content-Sha256` parameter).
   */
  headers?: Record<string, string> | undefined;
  /** Extra query parameters, signed; they come first in the URL. */
  query?: Record<string, string> | undefined;
  /** Lifetime in seconds. */
  expiresIn: number;
  signingDate: Date;
}

/** Signs a request; returns the URL's query string (without `?`), the signature last. */
export type QuerySigner = (credentials: SigningCredentials, input: QuerySignInput) => string;

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const PAYLOAD_HEADER = "x-amz-content-sha256";
/** The query parameters SigV4 writes itself: a caller's parameter may not take their names. */
const RESERVED_QUERY = new Set([
  "x-amz-algorithm",
  "x-amz-content-sha256",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signedheaders",
  "x-amz-signature",
]);
/** Headers the signer writes (or, presigning, does not sign): a caller's are not signed. */
const UNSIGNED_HEADERS = new Set(["authorization", "date", "x-amz-date", "host"]);

/**
 * A SigV4 query signer for S3 in one region. The signing key is derived once per day
 * and credentials (four HMACs) and kept; each URL then costs one SHA-256 and one HMAC.
 *
 * @example
 * const sign = createQuerySigner({ region: "eu-west-1" });
 * const url = `https://${host}${path}?${sign(credentials, { method: "GET", host, path, expiresIn: 300, signingDate: new Date() })}`;
 */
export function createQuerySigner(config: QuerySignerConfig): QuerySigner {
  let cached = {
    day: "",
    accessKeyId: "",
    secret: "",
    key: Buffer.alloc(0) as Buffer,
    credential: "",
  };
  let token = { value: "", param: "" };

  return (credentials, input) => {
    mustBeCredentials(credentials);
    const iso = input.signingDate.toISOString();
    const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
    const amzDate = `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const scope = `${day}/${config.region}/s3/aws4_request`;
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    if (
      day !== cached.day ||
      accessKeyId !== cached.accessKeyId ||
      secretAccessKey !== cached.secret
    ) {
      const date = hmac(`AWS4${secretAccessKey}`, day);
      const key = hmac(hmac(hmac(date, config.region), "s3"), "aws4_request");
      const credential = rfc3986(`${accessKeyId}/${scope}`);
      cached = { day, accessKeyId, secret: secretAccessKey, key, credential };
    }
    if (sessionToken && sessionToken !== token.value) {
      token = { value: sessionToken, param: `X-Amz-Security-Token=${rfc3986(sessionToken)}` };
    }

    const headers = canonicalHeaders(input.host, input.headers);
    const sha = headers.payload === undefined ? `X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}` : "";
    const tokenParam = sessionToken ? token.param : "";
    const algorithm = `X-Amz-Algorithm=${ALGORITHM}`;
    const credential = `X-Amz-Credential=${cached.credential}`;
    const date = `X-Amz-Date=${amzDate}`;
    const expires = `X-Amz-Expires=${input.expiresIn.toString(10)}`;
    const signedHeaders = `X-Amz-SignedHeaders=${rfc3986(headers.signed)}`;
    // In the URL, the parameters in the order the SDK writes them, so that URLs compare as
    // strings; in the canonical request, sorted by name.
    const signing = [sha, tokenParam, algorithm, credential, date, expires, signedHeaders];
    const sorted = [algorithm, sha, credential, date, expires, tokenParam, signedHeaders];
    const extra = input.query ? queryPairs(input.query) : [];
    const fixed = sorted.filter(Boolean);
    const canonicalQuery = (extra.length === 0 ? fixed : [...extra, ...fixed].sort(byName)).join(
      "&",
    );
    const canonicalRequest = `${input.method}\n${input.path}\n${canonicalQuery}\n${headers.canonical}\n${headers.signed}\n${headers.payload ?? UNSIGNED_PAYLOAD}`;
    const hashed = createHash("sha256").update(canonicalRequest).digest("hex");
    const signature = createHmac("sha256", cached.key)
      .update(`${ALGORITHM}\n${amzDate}\n${scope}\n${hashed}`)
      .digest("hex");
    return [...extra, ...signing, `X-Amz-Signature=${signature}`].filter(Boolean).join("&");
  };
}

function mustBeCredentials(credentials: SigningCredentials): void {
  if (
    typeof credentials?.accessKeyId !== "string" ||
    typeof credentials.secretAccessKey !== "string"
  ) {
    throw new Error("Resolved credential object is not valid");
  }
}

/** The caller's query parameters as `name=value`, in their order. */
function queryPairs(query: Record<string, string>): string[] {
  const pairs: string[] = [];
  for (const name of Object.keys(query)) {
    if (RESERVED_QUERY.has(name.toLowerCase())) {
      throw new RangeError(`Query parameter ${name} is written by the signer`);
    }
    pairs.push(`${rfc3986(name)}=${rfc3986(query[name] as string)}`);
  }
  return pairs;
}

/**
 * The canonical headers (each `name:value\n`), their names (`a;b;host`) and the payload hash
 * the caller gave, if any. Names differing only in case are one header: the last of them in
 * code-point order wins, as in the SDK.
 */
function canonicalHeaders(
  host: string,
  headers: Record<string, string> | undefined,
): { canonical: string; signed: string; payload: string | undefined } {
  if (!headers) return { canonical: `host:${host}\n`, signed: "host", payload: undefined };
  const values = new Map<string, string>([["host", host]]);
  let payload: string | undefined;
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase();
    if (UNSIGNED_HEADERS.has(lower)) continue;
    const value = headers[name] as string;
    values.set(lower, UNTRIMMED.test(value) ? trimValue(value) : value);
    if (lower === PAYLOAD_HEADER) payload = value;
  }
  const names = [...values.keys()].sort();
  return {
    canonical: names.map((name) => `${name}:${values.get(name)}\n`).join(""),
    signed: names.join(";"),
    payload,
  };
}

/** A header value that is not as SigV4 signs it: line breaks, tabs, runs or ends of spaces. */
const UNTRIMMED = /[\r\n\t]|^ | $| {2}/;

/** A header value as SigV4 signs it (as the SDK trims it: spaces and tabs only). */
function trimValue(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "");
}

/** Orders `name=value` pairs by name (names are unique and encoded, so ASCII). */
function byName(a: string, b: string): number {
  const an = a.slice(0, a.indexOf("="));
  const bn = b.slice(0, b.indexOf("="));
  return an < bn ? -1 : an > bn ? 1 : 0;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`. */
export function rfc3986(value: string): string {
  // Most names and values need no escape at all (the signature, the date, the algorithm).
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
