import type { Principal } from "@filegate/core/auth";
import { Errors } from "@filegate/core/errors";
import { type FileLookup, type FileView, parseWait, waitForPresent } from "@filegate/core/files";
import type { FileKey } from "@filegate/core/tenancy";

/** Time kept back from the function's timeout to answer once the wait is over. */
const ANSWER_RESERVE_MS = 1000;

/** What a read of one file needs of its request. */
export interface FileRead {
  principal: Pick<Principal, "tenant">;
  query(name: string): string | undefined;
  /** Milliseconds left before the function times out. */
  remainingTimeMs(): number;
}

/**
 * The file the caller's tenant holds at `key`, or `not_found` (404). With `?wait=<seconds>`
 * (at most 10) a file not indexed yet is waited for, polling the index, within the
 * function's remaining time: a client that has just uploaded need not guess.
 */
export async function presentFile(
  request: FileRead,
  key: FileKey,
  files: Pick<FileLookup, "getPresent">,
): Promise<FileView> {
  const asked = parseWait(request.query("wait"));
  const waitMs = Math.max(0, Math.min(asked, request.remainingTimeMs() - ANSWER_RESERVE_MS));
  const file = await waitForPresent(files, request.principal.tenant, key, waitMs);
  if (!file) throw Errors.notFound();
  return file;
}
