import { readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/** What a running local stack tells its neighbours (CLI, tests, AWS CLI users). */
export interface LocalState {
  apiUrl: string;
  /** The web console (`/console/` on a server of its own). */
  consoleUrl: string;
  /** Every endpoint in one place: the API, S3 and DynamoDB. */
  endpoints: { api: string; s3: string; dynamodb: string };
  region: string;
  bucket: string;
  table: string;
  s3: { endpoint: string };
  dynamodb: { endpoint: string; engine: string };
  /** Credentials both emulators accept. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * The local token authority: issuer, audience and tenant claim to verify with, its signing key
   * (private: for `npm run token`), and its public key set (`jwksFile`), the JWKS an issuer
   * publishes and API Gateway's JWT authorizer verifies with.
   */
  auth: {
    issuer: string;
    audience: string;
    tenantClaim: string;
    keyFile: string;
    algorithm: string;
    kid: string;
    jwksFile: string;
  };
  /** The attestation key file (`id:base64key,...`; the first key signs): `npm run reconcile` verifies with it. */
  attestation: { keyFile: string };
  deadLetterFile: string;
  /** The admin endpoint (`POST /redrive`) and its bearer token, for the CLI. */
  admin: { url: string; token: string };
  dataDir: string;
  memory: boolean;
  pid: number;
  startedAt: string;
  devToken: string;
}

/** The default state folder: `$FILEGATE_DIR`, else `.filegate` in the working directory (git-ignored). */
export const DEFAULT_DIR = process.env.FILEGATE_DIR || ".filegate";

export function stateFile(dir: string): string {
  return join(resolve(dir), "local.json");
}

export async function writeState(dir: string, state: LocalState): Promise<void> {
  const file = stateFile(dir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** The state of the stack last started in `dir`, or `undefined` when there is none. */
export async function readState(dir: string): Promise<LocalState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(dir), "utf8")) as LocalState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** True when the process that wrote the state still runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
