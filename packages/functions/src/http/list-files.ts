import { Errors } from "@filegate/core/errors";
import { DEFAULT_PAGE_SIZE, type FileIndex, MAX_PAGE_SIZE } from "@filegate/core/files";
import { mustBeValidPrefix } from "@filegate/core/tenancy";
import { fileIndex } from "../lib/file-index";
import { json, route } from "./boundary";

/** `GET /files?prefix=&limit=&cursor=`: one page of the tenant's present files. */
export const listFiles = ({ files }: { files: Pick<FileIndex, "list"> }) =>
  route(async (request) => {
    const prefix = request.query("prefix") ?? "";
    mustBeValidPrefix(prefix);
    const page = await files.list(request.principal.tenant, {
      prefix,
      limit: parseLimit(request.query("limit")),
      cursor: request.query("cursor") || undefined,
    });
    return json(200, page);
  });

export const handler = listFiles({ files: fileIndex });

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_PAGE_SIZE;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw Errors.badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}
