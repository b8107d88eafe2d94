import { API_CORS, BUCKET_CORS, type CorsRules } from "@filegate/functions/edge";
import type { DynamoEngine } from "./dynamodb";
import { LOCAL_GRACE_SECONDS } from "./reconcile";
import { DEFAULT_DIR } from "./state";

export const LOCAL_BUCKET = "filegate-local";
export const LOCAL_TABLE = "filegate-local-index";
export const LOCAL_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:filegate-local-events";

export interface LocalStackOptions {
  /** State folder: local.json, the signing key and (unless `memory`) the data. */
  dir: string;
  /** Keep no data: emulators run on a temporary folder removed at stop. */
  memory: boolean;
  port: number;
  s3Port: number;
  dynamodbPort: number;
  /** The web console's own server (another origin than the API, as on AWS). */
  consolePort: number;
  /** `auto`: DynamoDB Local when Java is installed, otherwise dynalite. */
  dynamodb: DynamoEngine | "auto";
  region: string;
  /** Level of the handlers' structured logs (Powertools). */
  logLevel: string;
  /** Deliveries of an event before it is dead-lettered, and the wait between them. */
  maxReceiveCount: number;
  backoffMs(attempt: number): number;
  /** How often the scheduled jobs run (they run once at start too); 0 runs them only then. */
  jobIntervalMs: number;
  /** The reconciler's grace period at start (objects younger than this are left to events). */
  reconcileGraceSeconds: number;
  /** CORS rules of the API and the bucket (default: the deployment's, from `edge.ts`). */
  apiCors: CorsRules;
  bucketCors: CorsRules;
  /** Where the stack's own lines go. */
  log(line: string): void;
}

export const DEFAULT_OPTIONS: LocalStackOptions = {
  dir: DEFAULT_DIR,
  memory: false,
  port: 8787,
  s3Port: 8788,
  dynamodbPort: 8789,
  consolePort: 8790,
  dynamodb: "auto",
  region: "us-east-1",
  logLevel: "INFO",
  maxReceiveCount: 5,
  backoffMs: (attempt) => Math.min(200 * 2 ** (attempt - 1), 5000),
  jobIntervalMs: 60_000,
  reconcileGraceSeconds: LOCAL_GRACE_SECONDS,
  apiCors: API_CORS,
  bucketCors: BUCKET_CORS,
  log: (line) => console.log(line),
};
