import { Errors } from "../errors";
import type { FileKey, TenantId } from "../tenancy";
import type { FileLookup, FileView } from "./lookup";

/** The longest `?wait=` a read may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 10;
/** First pause between two looks at the index; each pause doubles, up to {@link MAX_POLL_MS}. */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1000;

/**
 * The `wait` query parameter of a read, in milliseconds: seconds from 0 to
 * {@link MAX_WAIT_SECONDS}, decimals allowed; absent is 0. `bad_request` (400) otherwise.
 *
 * @example parseWait("2.5") // 2500
 */
export function parseWait(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const seconds = Number(value);
  if (!/^\d{1,2}(\.\d{1,3})?$/.test(value) || seconds > MAX_WAIT_SECONDS) {
    throw Errors.badRequest(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return Math.round(seconds * 1000);
}

/**
 * The file if the tenant holds it, waiting up to `waitMs` for it to appear: an upload
 * reaches the index through S3's event, a moment after the upload itself. Looks again
 * after 25 ms, then 50, 100... (at most a second apart), and once more at the end.
 */
export async function waitForPresent(
  files: Pick<FileLookup, "getPresent">,
  tenant: TenantId,
  key: FileKey,
  waitMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<FileView | undefined> {
  const deadline = Date.now() + waitMs;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const file = await files.getPresent(tenant, key);
    const left = deadline - Date.now();
    if (file || left <= 0) return file;
    await sleep(Math.min(pause, left));
  }
}
