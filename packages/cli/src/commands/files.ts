import type { FileInfo } from "@filegate/client";
import { type Context, forEachItem } from "../context";
import { formatBytes, formatTime, printColumns, printJson, printPaged } from "../format";
import { WAIT_MS } from "./put";

/** `filegate ls [prefix]`: the tenant's files, page after page. */
export async function ls(ctx: Context, prefix: string | undefined): Promise<number> {
  const listed = await printPaged(
    ctx.json,
    ctx.client.list({ prefix: prefix ?? "", pageSize: 1000 }),
    (file) => [formatTime(file.lastModified), String(file.size).padStart(12), file.key],
  );
  // Said on stderr, so that `filegate ls | wc -l` still counts files.
  if (listed === 0 && !ctx.json) {
    ctx.reporter.line(prefix ? `no files under ${prefix}` : "no files yet", process.stderr);
  }
  return 0;
}

/** `filegate head KEY`: a file's metadata from the index. */
export async function head(ctx: Context, key: string): Promise<number> {
  const file = await ctx.client.head(key);
  if (ctx.json) printJson(file);
  else printFile(file);
  return 0;
}

function printFile(file: FileInfo): void {
  printColumns([
    ["key", file.key],
    ["size", `${file.size} (${formatBytes(file.size)})`],
    ["content-type", file.contentType],
    ["etag", file.etag],
    ["last-modified", file.lastModified],
  ]);
}

/** `filegate rm KEY...`: deletes files (with `-r`, everything under each prefix). */
export async function rm(
  ctx: Context,
  keys: string[],
  options: { recursive?: boolean; wait: boolean; concurrency: number },
): Promise<number> {
  const targets = options.recursive ? await expand(ctx, keys) : keys;
  return forEachItem(
    ctx,
    targets,
    options.concurrency,
    async (key) => {
      await ctx.client.delete(key, { wait: options.wait && { timeoutMs: WAIT_MS } });
      return { line: `deleted ${key}`, json: { key, deleted: true } };
    },
    (key) => ({ doing: `delete ${key}`, json: { key, deleted: false } }),
  );
}

/** Every key under each prefix (a prefix without a trailing `/` is taken as a folder). */
async function expand(ctx: Context, prefixes: string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of prefixes) {
    const folder = prefix.endsWith("/") ? prefix : `${prefix}/`;
    for await (const file of ctx.client.list({ prefix: folder, pageSize: 1000 })) {
      keys.push(file.key);
    }
  }
  return keys;
}
