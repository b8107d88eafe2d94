import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./exit-codes";

/** Where the CLI sends requests, and with which token. */
export interface CliConfig {
  url: string;
  token: string;
}

/** What the local stack writes to `.filegate/local.json` that the CLI uses. */
interface LocalState {
  apiUrl: string;
  devToken: string;
}

/**
 * The API URL and token, each from the first place that has it: the flags (`--url`,
 * `--token`), then `FILEGATE_URL` / `FILEGATE_TOKEN`, then the local stack's
 * `.filegate/local.json` (`apiUrl`, `devToken`). The local dev token is only used for the
 * local stack's own URL (under any loopback name), so it never goes to another server.
 */
export async function resolveConfig(
  flags: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<CliConfig> {
  const explicitUrl = flags.url || env.FILEGATE_URL || undefined;
  const explicitToken = flags.token || env.FILEGATE_TOKEN || undefined;
  const local =
    explicitUrl && explicitToken ? undefined : await findLocalState(env.FILEGATE_DIR, cwd);
  const url = explicitUrl ?? local?.apiUrl;
  if (!url) {
    throw new UsageError(
      "No API URL: pass --url, set FILEGATE_URL, or start the local stack (npm start)",
    );
  }
  const token =
    explicitToken ?? (local && sameLocalServer(local.apiUrl, url) ? local.devToken : undefined);
  if (!token) {
    throw new UsageError(
      `No token for ${url}: pass --token or set FILEGATE_TOKEN (for the local stack: filegate token --tenant T --sub S)`,
    );
  }
  return { url, token };
}

/**
 * The local stack's state folder: `$FILEGATE_DIR`, else the `.filegate` folder with a
 * `local.json` in the working directory or the nearest parent that has one.
 */
export async function localStateDir(
  dir: string | undefined,
  cwd: string,
): Promise<string | undefined> {
  if (dir) return resolve(cwd, dir);
  for (let at = resolve(cwd); ; at = dirname(at)) {
    if (await readLocalState(join(at, ".filegate", "local.json"))) return join(at, ".filegate");
    if (dirname(at) === at) return undefined;
  }
}

/** The API URL and dev token of the local stack found by {@link localStateDir}. */
export async function findLocalState(
  dir: string | undefined,
  cwd: string,
): Promise<LocalState | undefined> {
  const found = await localStateDir(dir, cwd);
  return found ? readLocalState(join(found, "local.json")) : undefined;
}

async function readLocalState(file: string): Promise<LocalState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as Partial<LocalState>;
  if (typeof state.apiUrl !== "string" || typeof state.devToken !== "string") return undefined;
  return { apiUrl: state.apiUrl, devToken: state.devToken };
}

/** The names of this machine's loopback interface, as URL hostnames. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Whether `url` names the local stack at `stackUrl`: the same origin, or the same scheme and
 * port on another name of the loopback interface (`localhost`, `[::1]` for `127.0.0.1`).
 * Anything else is another server, which never gets the dev token.
 */
export function sameLocalServer(stackUrl: string, url: string): boolean {
  let stack: URL;
  let target: URL;
  try {
    stack = new URL(stackUrl);
    target = new URL(url);
  } catch {
    return false;
  }
  if (stack.origin === target.origin) return true;
  return (
    stack.protocol === target.protocol &&
    stack.port === target.port &&
    LOOPBACK.has(stack.hostname.toLowerCase()) &&
    LOOPBACK.has(target.hostname.toLowerCase())
  );
}
