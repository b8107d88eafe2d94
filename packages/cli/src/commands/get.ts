import { once } from "node:events";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { FileInfo } from "@filegate/client";
import { type Context, eachLimit, errorJson, errorLine } from "../context";
import { exitCodeOf, UsageError } from "../exit-codes";
import { formatBytes, printJson } from "../format";

/**
 * `filegate get KEY [FILE|-]`: downloads a file to FILE (default: its name here; into FILE
 * when FILE is a directory), or to standard output with `-`. With `-r`, or a KEY ending in
 * `/`, everything under the prefix KEY goes into the directory FILE (default `.`).
 */
export async function get(
  ctx: Context,
  key: string,
  target: string | undefined,
  options: { recursive?: boolean; concurrency: number },
): Promise<number> {
  if (options.recursive || key.endsWith("/")) return getTree(ctx, key, target ?? ".", options);
  if (target === "-") {
    await toStdout((await ctx.client.download(key)).body);
    return 0;
  }
  let path = target ?? basename(key);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) path = join(path, basename(key));
  const file = await getOne(ctx, key, path);
  if (ctx.json) printJson({ ...file, file: path });
  return 0;
}

async function getOne(ctx: Context, key: string, path: string): Promise<FileInfo> {
  const view = ctx.reporter.start(key, 0);
  try {
    const file = await ctx.client.downloadToFile(key, path, {
      onProgress: (progress) => view.update(progress),
    });
    ctx.reporter.line(`downloaded ${key} → ${path} (${formatBytes(file.size)})`);
    return file;
  } finally {
    view.end();
  }
}

async function getTree(
  ctx: Context,
  prefix: string,
  dir: string,
  options: { concurrency: number },
): Promise<number> {
  const folder = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const files = await ctx.client.list({ prefix: folder, pageSize: 1000 }).toArray();
  const root = resolve(dir);
  const results: Record<string, unknown>[] = [];
  let exitCode = 0;
  await eachLimit(files, options.concurrency, async ({ key }) => {
    const path = join(dir, ...key.slice(folder.length).split("/"));
    try {
      // Keys cannot hold '..' segments (the API refuses them); check all the same.
      if (relative(root, resolve(path)).startsWith(`..${sep}`)) {
        throw new UsageError(`${key} would land outside ${dir}`);
      }
      await mkdir(dirname(path), { recursive: true });
      results.push({ ...(await getOne(ctx, key, path)), file: path });
    } catch (error) {
      exitCode ||= exitCodeOf(error);
      results.push({ key, file: path, error: errorJson(error) });
      ctx.reporter.line(`filegate: cannot download ${key}: ${errorLine(error)}`, process.stderr);
    }
  });
  if (ctx.json) printJson(results);
  return exitCode;
}

/**
 * Writes a download to standard output without ending it: stdout may be a socket shared
 * with the shell, and ending it would shut it for the commands that follow.
 */
async function toStdout(body: ReadableStream<Uint8Array>): Promise<void> {
  for await (const chunk of body) {
    if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
  }
}
