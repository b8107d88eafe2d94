import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "../../packages/core/src/storage/sha256";
import { S3_CREDENTIALS } from "../../packages/local/src/s3/emulator";

export interface BinaryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends a request with the path exactly as given (`..` and all), the body as bytes. */
export function send(
  endpoint: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<BinaryResponse> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The path and query of a URL the SDK made, untouched (`new URL` would resolve `..`). */
export function pathOf(url: string, endpoint: string): string {
  if (!url.startsWith(endpoint)) throw new Error(`${url} is not on ${endpoint}`);
  return url.slice(endpoint.length);
}

/** An SDK client for the emulator (checksums only when required, as Filegate presigns). */
export function emulatorClient(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = S3_CREDENTIALS,
  checksums: "WHEN_REQUIRED" | "WHEN_SUPPORTED" = "WHEN_REQUIRED",
): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { ...credentials },
    requestChecksumCalculation: checksums,
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Presigns a request for any path with the SDK's own SigV4 signer (bucket names unchecked). */
export async function presignPath(
  endpoint: string,
  method: string,
  path: string,
  query: Record<string, string> = {},
): Promise<string> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: { ...S3_CREDENTIALS },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.presign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query,
      // Hoisted into the query, as the SDK's presigner does for S3.
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { expiresIn: 60 },
  );
  const search = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join("&");
  return `${path}?${search}`;
}

/** A browser form upload (POST Object): the fields, then the file, as multipart/form-data. */
export function formUpload(
  fields: Record<string, string>,
  file: string | Buffer,
): { body: Buffer; headers: Record<string, string> } {
  const boundary = "----filegate-form-boundary";
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.isBuffer(file) ? file : Buffer.from(file),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  const body = Buffer.concat(parts);
  return {
    body,
    headers: {
      "Content-Type": `multipart/form-data; boundary=${boundary}`,
      "Content-Length": String(body.length),
    },
  };
}

/**
 * The fields of a form upload signed as `createPresignedPost` signs one: a base64 policy of
 * `conditions` and `expiration`, and its SigV4 signature by the SDK's signer.
 */
export async function signedPolicyFields(options: {
  bucket: string;
  conditions: unknown[];
  expiration: Date;
  fields: Record<string, string>;
  secretAccessKey?: string;
}): Promise<Record<string, string>> {
  const now = new Date();
  const date = now.toISOString().replace(/[-:]|\.\d{3}/g, "");
  const credential = `${S3_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const amz = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": credential,
    "X-Amz-Date": date,
  };
  const policy = Buffer.from(
    JSON.stringify({
      expiration: options.expiration.toISOString(),
      conditions: [
        { bucket: options.bucket },
        ...options.conditions,
        ...Object.entries(amz).map(([name, value]) => ({ [name]: value })),
      ],
    }),
  ).toString("base64");
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: {
      ...S3_CREDENTIALS,
      secretAccessKey: options.secretAccessKey ?? S3_CREDENTIALS.secretAccessKey,
    },
    sha256: Sha256,
  });
  const signature = await signer.sign(policy, { signingDate: now });
  return { ...options.fields, ...amz, Policy: policy, "X-Amz-Signature": signature };
}

/** Every file under a folder, as absolute paths. */
export async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else files.push(path);
  }
  return files;
}

/** Orders keys as S3 lists them: by their UTF-8 bytes. */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Compares S3 sequencers: the shorter padded with zeros on the left. */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const x = a.toUpperCase().padStart(width, "0");
  const y = b.toUpperCase().padStart(width, "0");
  return x < y ? -1 : x > y ? 1 : 0;
}
