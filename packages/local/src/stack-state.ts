import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { LOCAL_ALGORITHM, type LocalAuthority } from "./auth";
import type { DynamoEmulator } from "./dynamodb";
import { LOCAL_BUCKET, LOCAL_TABLE, type LocalStackOptions } from "./options";
import { S3_CREDENTIALS, type S3Emulator } from "./s3/emulator";
import { type LocalState, readState, writeState } from "./state";

/** What `local.json` says of a running stack: where each part listens, and how to reach it. */
export async function stackState(
  options: LocalStackOptions,
  parts: {
    api: { url: string };
    consoleUrl: string;
    s3: S3Emulator;
    dynamo: DynamoEmulator;
    authority: LocalAuthority;
    keyFile: string;
    attestationKeyFile: string;
    dataDir: string;
    deadLetterFile: string;
    admin: LocalState["admin"];
  },
): Promise<LocalState> {
  const { api, s3, dynamo, authority } = parts;
  return {
    apiUrl: api.url,
    consoleUrl: parts.consoleUrl,
    endpoints: { api: api.url, s3: s3.endpoint, dynamodb: dynamo.endpoint },
    region: options.region,
    bucket: LOCAL_BUCKET,
    table: LOCAL_TABLE,
    s3: { endpoint: s3.endpoint },
    dynamodb: { endpoint: dynamo.endpoint, engine: dynamo.engine },
    credentials: {
      accessKeyId: S3_CREDENTIALS.accessKeyId,
      secretAccessKey: S3_CREDENTIALS.secretAccessKey,
    },
    auth: {
      issuer: authority.issuer,
      audience: authority.audience,
      tenantClaim: authority.tenantClaim,
      keyFile: parts.keyFile,
      algorithm: LOCAL_ALGORITHM,
      kid: authority.kid,
      jwksFile: authority.jwksFile,
    },
    attestation: { keyFile: parts.attestationKeyFile },
    deadLetterFile: parts.deadLetterFile,
    admin: { url: parts.admin.url, token: parts.admin.token },
    dataDir: parts.dataDir,
    memory: options.memory,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    devToken: await authority.issue({ tenant: "dev", sub: "developer", expiresIn: 12 * 3600 }),
  };
}

/** Writes `local.json`, removed again at stop if it is still this process's. */
export async function publishState(
  dir: string,
  state: LocalState,
  cleanup: Array<() => Promise<void>>,
): Promise<void> {
  await writeState(dir, state);
  cleanup.unshift(async () => {
    // Leave no stale local.json behind: it would point tools at a stack that is gone.
    const current = await readState(dir);
    if (current?.pid === process.pid) await unlink(join(dir, "local.json")).catch(() => {});
  });
}
