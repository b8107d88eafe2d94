/**
 * Objects that s3rver's own store kept, before the emulator had a store of its own: each key
 * as a path (`<segments>/<name>._S3rver_object`, with `._S3rver_metadata.json` and
 * `._S3rver_object.md5` beside it). They are moved into the store the first time a bucket is
 * opened, so a local stack keeps its data across the change.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { type Metadata, storedMetadata } from "./s3rver-models";

const SUFFIX = "._S3rver_";
const OBJECT = `${SUFFIX}object`;
/** The store's own folders in a bucket folder, and s3rver's at the top of it. */
const skipped = (name: string) =>
  [".objects", ".tags", ".tmp", ".uploads", ".config"].includes(name) || name.startsWith(SUFFIX);

/** Finds the legacy objects under `dir`, as keys (segments joined with `/`). */
async function findObjects(dir: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (prefix === "" && skipped(entry.name)) continue;
    if (entry.isDirectory()) {
      keys.push(...(await findObjects(join(dir, entry.name), `${prefix}${entry.name}/`)));
    } else if (entry.name.endsWith(OBJECT)) {
      keys.push(`${prefix}${entry.name.slice(0, -OBJECT.length)}`);
    }
  }
  return keys;
}

/** Removes the legacy folders left empty under `dir` (not `dir` itself). */
async function removeEmptyFolders(dir: string, top: boolean): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (top && skipped(entry.name)) continue;
    if (entry.isDirectory()) await removeEmptyFolders(join(dir, entry.name), false);
  }
  if (!top && (await readdir(dir)).length === 0) await rmdir(dir);
}

/**
 * Hands each legacy object of a bucket folder to `write` (body and stored metadata), then
 * removes its files. An object `write` fails on stays where it was, for the next start.
 */
export async function importLegacyObjects(
  bucketPath: string,
  write: (key: string, body: Readable, metadata: Metadata) => Promise<void>,
): Promise<number> {
  const keys = await findObjects(bucketPath, "");
  for (const key of keys) {
    const base = join(bucketPath, key);
    let metadata: Metadata = { "content-type": "binary/octet-stream" };
    try {
      const stored = JSON.parse(await readFile(`${base}${SUFFIX}metadata.json`, "utf8"));
      metadata = { ...metadata, ...storedMetadata(stored) };
    } catch {
      // no metadata file: S3's default content type
    }
    await write(key, createReadStream(`${base}${OBJECT}`), metadata);
    for (const suffix of ["object", "object.md5", "metadata.json", "tagging.xml"]) {
      await rm(`${base}${SUFFIX}${suffix}`, { force: true });
    }
  }
  if (keys.length > 0) await removeEmptyFolders(bucketPath, true);
  return keys.length;
}
