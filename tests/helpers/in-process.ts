import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  type LocalStack,
  type LocalStackOptions,
  type LocalState,
  startLocalStack,
} from "@filegate/local";

/**
 * Starts the local stack inside the test process (in memory, free ports, dynalite, quiet), for
 * tests that reach into its event bridge or invoke its handler modules directly.
 */
export async function startInProcessStack(
  overrides: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  return startLocalStack({
    dir: await mkdtemp(join(tmpdir(), "filegate-in-process-")),
    memory: true,
    port: 0,
    s3Port: 0,
    dynamodbPort: 0,
    consolePort: 0,
    // FILEGATE_TEST_DYNAMODB=local runs these tests on AWS's DynamoDB Local instead.
    dynamodb: process.env.FILEGATE_TEST_DYNAMODB === "local" ? "local" : "dynalite",
    logLevel: "SILENT",
    log: () => {},
    ...overrides,
  });
}

/** An S3 client on the stack's emulator, with its credentials. */
export function s3ClientFor(state: LocalState): S3Client {
  return new S3Client({
    endpoint: state.s3.endpoint,
    region: state.region,
    forcePathStyle: true,
    credentials: { ...state.credentials },
  });
}

/** A DynamoDB document client on the stack's emulator, configured as the handlers' one is. */
export function documentClientFor(state: LocalState): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    endpoint: state.dynamodb.endpoint,
    region: state.region,
    credentials: { ...state.credentials },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
