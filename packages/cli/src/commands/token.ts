import { localStateDir } from "../config";
import { UsageError } from "../exit-codes";

/**
 * `filegate token --tenant T --sub S`: a token for the local stack, signed with its key
 * (the same as `npm run token`). Prints the token and nothing else on stdout.
 */
export async function token(options: {
  tenant: string;
  sub: string;
  scope?: string[];
  expiresIn: number;
}): Promise<number> {
  const dir = await localStateDir(process.env.FILEGATE_DIR, process.cwd());
  if (!dir)
    throw new Error("No local stack state (.filegate/local.json): start one with npm start");
  if (!options.tenant || !options.sub) throw new UsageError("--tenant and --sub are required");
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Loaded here only: the local stack's package brings the emulators' SDKs with it.
  const { isAlive, loadAuthority, readState } = await import("@filegate/local");
  const state = await readState(dir);
  if (!state) throw new Error(`No local stack state in ${dir}: start one with npm start`);
  if (!isAlive(state.pid)) {
    process.stderr.write(
      `warning: the local stack (pid ${state.pid}) is not running; the token is for its key\n`,
    );
  }
  const authority = await loadAuthority(state.auth.keyFile, state.auth.tenantClaim);
  const scope = options.scope?.join(" ");
  const jwt = await authority.issue({
    tenant: options.tenant,
    sub: options.sub,
    scope,
    expiresIn: options.expiresIn,
  });
  process.stdout.write(`${jwt}\n`);
  return 0;
}
