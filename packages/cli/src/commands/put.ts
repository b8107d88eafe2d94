import { lstat, readdir, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import type { UploadResult } from "@filegate/client";
import { type Context, forEachItem } from "../context";
import { UsageError } from "../exit-codes";
import { formatBytes } from "../format";

/** How long `put` and `rm` wait for the index before giving up (exit code 1). */
export const WAIT_MS = 120_000;

/** Options of `filegate put`. */
export interface PutOptions {
  contentType?: string;
  createOnly?: boolean;
  concurrency: number;
  wait: boolean;
}

interface Upload {
  /** A local file, or `-` for standard input. */
  file: string;
  key: string;
}

/**
 * `filegate put FILE [KEY]`: uploads a file (as KEY, default its name; a KEY ending in `/`
 * is a folder), a directory tree (under the prefix KEY, default the directory's name), or
 * standard input (`-`, KEY required). Waits for the index unless `--no-wait`.
 */
export async function put(
  ctx: Context,
  file: string,
  key: string | undefined,
  options: PutOptions,
): Promise<number> {
  const uploads = await plan(file, key);
  return forEachItem(
    ctx,
    uploads,
    options.concurrency,
    async (upload) => {
      const result = await uploadOne(ctx, upload, options);
      return {
        line: `uploaded ${upload.file} → ${result.key} (${formatBytes(result.size)})`,
        json: { file: upload.file, ...result },
      };
    },
    (upload) => ({ doing: `upload ${upload.file}`, json: { file: upload.file, key: upload.key } }),
  );
}

async function uploadOne(ctx: Context, upload: Upload, options: PutOptions): Promise<UploadResult> {
  const stdin = upload.file === "-";
  const contentType =
    options.contentType ||
    (stdin ? undefined : await typeOf(upload.file)) ||
    "application/octet-stream";
  const size = stdin ? undefined : (await stat(upload.file)).size;
  const view = ctx.reporter.start(upload.key, size ?? 0);
  try {
    return await ctx.client.upload(upload.key, stdin ? process.stdin : { path: upload.file }, {
      contentType,
      createOnly: options.createOnly,
      // S3's events usually reach the index within seconds on AWS, occasionally a minute.
      wait: options.wait && { timeoutMs: WAIT_MS },
      onProgress: (progress) => view.update(progress),
    });
  } finally {
    view.end();
  }
}

/** The media type a file's name suggests (mime-types' table, loaded only for uploads). */
async function typeOf(file: string): Promise<string | undefined> {
  const { lookup } = await import("mime-types");
  return lookup(file) || undefined;
}

/** The uploads `put FILE [KEY]` stands for. */
async function plan(file: string, key: string | undefined): Promise<Upload[]> {
  if (file === "-") {
    if (!key) throw new UsageError("put - needs a KEY: standard input has no name");
    return [{ file, key }];
  }
  const info = await stat(file).catch(() => {
    throw new UsageError(`No such file or directory: ${file}`);
  });
  if (!info.isDirectory()) {
    const name = basename(file);
    return [{ file, key: key === undefined ? name : key.endsWith("/") ? `${key}${name}` : key }];
  }
  const prefix = (key ?? basename(resolve(file))).replace(/\/+$/, "");
  const files = await walk(file);
  if (files.length === 0) throw new UsageError(`${file} holds no files`);
  return files.map((path) => {
    const rel = relative(file, path).split(sep).join("/");
    return { file: path, key: prefix ? `${prefix}/${rel}` : rel };
  });
}

/** Every regular file below `dir` (symbolic links to files included), in name order. */
async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
    else if (entry.isSymbolicLink() && (await stat(path).catch(() => lstat(path))).isFile()) {
      files.push(path);
    }
  }
  return files;
}
