import { once } from "node:events";
import { mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { type Context, forEachItem, type Outcome } from "../context";
import { UsageError } from "../exit-codes";
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
  const outcome = await getOne(ctx, key, path);
  if (ctx.json) printJson(outcome.json);
  else ctx.reporter.line(outcome.line);
  return 0;
}

async function getOne(ctx: Context, key: string, path: string): Promise<Outcome> {
  const view = ctx.reporter.start(key, 0);
  try {
    const file = await ctx.client.downloadToFile(key, path, {
      onProgress: (progress) => view.update(progress),
    });
    return {
      line: `downloaded ${key} → ${path} (${formatBytes(file.size)})`,
      json: { ...file, file: path },
    };
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
  const pathOf = (key: string) => join(dir, ...key.slice(folder.length).split("/"));
  return forEachItem(
    ctx,
    files,
    options.concurrency,
    async ({ key }) => {
      const path = pathOf(key);
      // Keys cannot hold '..' segments (the API refuses them); check all the same.
      if (relative(root, resolve(path)).startsWith(`..${sep}`)) {
        throw new UsageError(`${key} would land outside ${dir}`);
      }
      await mkdir(dirname(path), { recursive: true });
      return getOne(ctx, key, path);
    },
    ({ key }) => ({ doing: `download ${key}`, json: { key, file: pathOf(key) } }),
  );
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
