import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root, where route handler paths start. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The environment the handlers see on AWS, pointed at the emulators: SST resource links,
 * region, credentials and endpoints, and a function's own variables (`extra`). Set before any
 * handler module is imported: they read it once, at import.
 */
export function configureHandlerEnvironment(options: {
  region: string;
  /** Credentials both emulators accept. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  table: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  logLevel: string;
  /** Deliveries of an event before it is dead-lettered (the subscriber reads it). */
  maxReceiveCount?: number;
  extra?: Record<string, string>;
}): void {
  for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"])
    delete process.env[name];
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "filegate", stage: "local" }),
    SST_RESOURCE_FileBucket: JSON.stringify({ name: options.bucket, type: "sst.aws.Bucket" }),
    SST_RESOURCE_FileIndex: JSON.stringify({ name: options.table, type: "sst.aws.Dynamo" }),
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    POWERTOOLS_LOG_LEVEL: options.logLevel,
    ...(options.maxReceiveCount === undefined
      ? {}
      : { FILEGATE_MAX_RECEIVE_COUNT: String(options.maxReceiveCount) }),
    // EMF metrics are for CloudWatch; set POWERTOOLS_METRICS_DISABLED=false to see them here.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    ...options.extra,
  });
}

/** The function a handler path of the route table names (`<file without .ts>.<export>`). */
export async function importHandler(handler: string): Promise<unknown> {
  const dot = handler.lastIndexOf(".");
  const file = join(REPO_ROOT, `${handler.slice(0, dot)}.ts`);
  const name = handler.slice(dot + 1);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (typeof module[name] !== "function") throw new Error(`${file} exports no function ${name}`);
  return module[name];
}
