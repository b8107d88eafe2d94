/**
 * The signing part of the floor modules: SigV4 from the SDK's own signer, credentials from
 * the environment (where Lambda puts them), and a presigned HEAD sent with node:http.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "../../../packages/core/src/storage/sha256";
import { rfc3986 } from "../../lib/sigv4";

const region = process.env.AWS_REGION ?? "us-east-1";
const bucket = process.env.BUCKET_NAME ?? "";
const endpoint = process.env.AWS_ENDPOINT_URL_S3;
const signer = new SignatureV4({
  service: "s3",
  region,
  credentials: fromEnv(),
  sha256: Sha256,
  uriEscapePath: false,
});
const origin = endpoint
  ? new URL(endpoint)
  : new URL(`https://${bucket}.s3.${region}.amazonaws.com`);
const prefix = endpoint ? `/${bucket}` : "";

export async function presign(
  method: string,
  objectKey: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const path = `${prefix}/${objectKey.split("/").map(rfc3986).join("/")}`;
  const signed = await signer.presign(
    {
      method,
      protocol: origin.protocol,
      hostname: origin.hostname,
      ...(origin.port ? { port: Number(origin.port) } : {}),
      path,
      query: { "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
      headers: { ...headers, host: origin.host },
    },
    { expiresIn: 300, unhoistableHeaders: new Set(Object.keys(headers)) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${name}=${rfc3986(String(value))}`)
    .join("&");
  return `${origin.origin}${path}?${query}`;
}

export async function head(objectKey: string): Promise<Record<string, unknown>> {
  const url = await presign("HEAD", objectKey);
  const send = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "HEAD" }, (res) => {
      res.resume();
      resolve(res.headers);
    });
    req.on("error", reject);
    req.end();
  });
}
