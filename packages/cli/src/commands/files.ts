import type { FileInfo } from "@filegate/client";
import { type Context, eachLimit, errorJson, errorLine } from "../context";
import { exitCodeOf } from "../exit-codes";
import { formatBytes, formatTime, printColumns, printJson } from "../format";

/** `filegate ls [prefix]`: the tenant's files, page after page. */
export async function ls(ctx: Context, prefix: string | undefined): Promise<number> {
  const files = ctx.client.list({ prefix: prefix ?? "", pageSize: 1000 });
  if (ctx.json) {
    printJson(await files.toArray());
    return 0;
  }
  for await (const page of files.pages()) {
    printColumns(
      page.items.map((file) => [
        formatTime(file.lastModified),
        String(file.size).padStart(12),
        file.key,
      ]),
    );
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
  const results: Record<string, unknown>[] = [];
  let exitCode = 0;
  await eachLimit(targets, options.concurrency, async (key) => {
    try {
      await ctx.client.delete(key, { wait: options.wait });
      results.push({ key, deleted: true });
      ctx.reporter.line(`deleted ${key}`);
    } catch (error) {
      exitCode ||= exitCodeOf(error);
      results.push({ key, deleted: false, error: errorJson(error) });
      ctx.reporter.line(`filegate: cannot delete ${key}: ${errorLine(error)}`, process.stderr);
    }
  });
  if (ctx.json) printJson(results);
  return exitCode;
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
