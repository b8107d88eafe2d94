import { S3_CREDENTIALS } from "../../packages/local/src/s3/emulator";

/** Names the benchmarks use for the linked resources, the tenant and the region. */
export const BENCH = {
  app: "filegate",
  stage: "bench",
  bucket: "filegate-bench",
  table: "filegate-bench-index",
  region: "us-east-1",
  tenant: "acme",
  actor: "alice",
  /** The S3 emulator's credentials; the DynamoDB emulators and the signers take any. */
  credentials: { ...S3_CREDENTIALS },
  /** The attestation keyring the handlers sign and verify uploads with (a fixed test key). */
  attestationKeys: `bench:${Buffer.alloc(32, 7).toString("base64")}`,
} as const;

/**
 * The environment a deployed handler sees (SST links, region, credentials, settings), with
 * the endpoints of emulators where a benchmark has them. Without an S3 endpoint, presigned
 * URLs are AWS's own virtual-hosted ones.
 */
export function handlerEnvironment(
  endpoints: { dynamodb?: string; s3?: string } = {},
): Record<string, string> {
  return {
    SST_RESOURCE_App: JSON.stringify({ name: BENCH.app, stage: BENCH.stage }),
    SST_RESOURCE_FileBucket: JSON.stringify({ name: BENCH.bucket, type: "sst.aws.Bucket" }),
    SST_RESOURCE_FileIndex: JSON.stringify({ name: BENCH.table, type: "sst.aws.Dynamo" }),
    // The benchmarks' tenants have no webhook endpoint, so nothing is sent to this queue.
    SST_RESOURCE_WebhookQueue: JSON.stringify({
      url: `http://127.0.0.1:9/000000000000/${BENCH.app}-webhooks`,
      type: "sst.aws.Queue",
    }),
    AWS_REGION: BENCH.region,
    AWS_DEFAULT_REGION: BENCH.region,
    AWS_ACCESS_KEY_ID: BENCH.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: "filegate",
    FILEGATE_ATTESTATION_KEYS: BENCH.attestationKeys,
    ...(endpoints.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb } : {}),
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
  };
}

/**
 * Points this process at `environment`, as the local stack does before it imports the
 * handlers: call it before the first (dynamic) import of a handler module.
 */
export function useHandlerEnvironment(environment: Record<string, string>): void {
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"]) {
    delete process.env[name];
  }
  Object.assign(process.env, environment);
}
