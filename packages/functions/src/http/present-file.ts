import { Errors } from "@filegate/core/errors";
import { type FileLookup, type FileView, parseWait, waitForPresent } from "@filegate/core/files";
import type { FileKey } from "@filegate/core/tenancy";
import { fileKeyOf, type Request } from "./boundary";

/** Time kept back from the function's timeout to answer once the wait is over. */
const ANSWER_RESERVE_MS = 1000;

/**
 * The file the caller's tenant holds at the request's key, or `not_found` (404). With
 * `?wait=<seconds>` (at most 10) a file not indexed yet is waited for, polling the index,
 * within the function's remaining time: a client that has just uploaded need not guess.
 */
export async function presentFile(
  request: Request,
  files: Pick<FileLookup, "getPresent">,
): Promise<{ key: FileKey; file: FileView }> {
  const key = fileKeyOf(request);
  const asked = parseWait(request.query("wait"));
  const waitMs = Math.max(0, Math.min(asked, request.remainingTimeMs() - ANSWER_RESERVE_MS));
  const file = await waitForPresent(files, request.principal.tenant, key, waitMs);
  if (!file) throw Errors.notFound();
  return { key, file };
}
