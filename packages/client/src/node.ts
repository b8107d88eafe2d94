/**
 * Node-only helpers, loaded lazily: this module imports nothing from `node:` at module scope,
 * so a browser bundle of the client needs no Node polyfills. The specifiers are computed so
 * that bundlers leave them alone; they are only reached when a caller passes a file path.
 */
import { FilegateError } from "./errors";

type Fs = typeof import("node:fs");
type FsPromises = typeof import("node:fs/promises");
type Stream = typeof import("node:stream");
type StreamPromises = typeof import("node:stream/promises");
type Path = typeof import("node:path");

function nodeModule<T>(name: string): Promise<T> {
  if (!isNode()) {
    return Promise.reject(
      new FilegateError({
        status: 0,
        code: "node_only",
        message: `File paths work in Node only (${name} is not available here)`,
        source: "client",
      }),
    );
  }
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** True when running in Node (or a runtime that emulates it, such as Bun or Deno). */
export function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === "string";
}

/** A file as a Blob that reads from disk on demand (slices read only their range). */
export async function openFileAsBlob(path: string, type = ""): Promise<Blob> {
  const fs = await nodeModule<Fs>("fs");
  return fs.openAsBlob(path, { type });
}

/**
 * Writes a web stream to `path`, through a temporary file renamed into place at the end, so
 * that a failed download leaves no truncated file behind.
 */
export async function writeStreamToFile(
  body: ReadableStream<Uint8Array>,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const [fs, fsp, stream, streamPromises, pathModule] = await Promise.all([
    nodeModule<Fs>("fs"),
    nodeModule<FsPromises>("fs/promises"),
    nodeModule<Stream>("stream"),
    nodeModule<StreamPromises>("stream/promises"),
    nodeModule<Path>("path"),
  ]);
  const partial = pathModule.join(
    pathModule.dirname(path),
    `.${pathModule.basename(path)}.${Math.random().toString(36).slice(2, 10)}.partial`,
  );
  try {
    await streamPromises.pipeline(
      stream.Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>),
      fs.createWriteStream(partial),
      signal ? { signal } : {},
    );
    await fsp.rename(partial, path);
  } catch (error) {
    await fsp.rm(partial, { force: true });
    throw error;
  }
}
