/**
 * The parts of s3rver (`@20minutes/s3rver`, pinned at 5.0.0) that the emulator's store builds
 * its answers with, typed: its error (rendered as S3's XML error), object, bucket and
 * configuration models.
 */
import { createRequire } from "node:module";
import type { Readable } from "node:stream";

const require = createRequire(import.meta.url);

/** An S3 error as s3rver renders it: `<Error><Code>` with the status S3 gives that code. */
export interface S3ErrorInstance extends Error {
  code: string;
  status: number;
  detail: Record<string, unknown>;
}

export const S3Error = require("@20minutes/s3rver/lib/models/error") as new (
  code: string,
  message?: string,
  detail?: Record<string, unknown>,
) => S3ErrorInstance;

/** Object metadata as s3rver passes it around: lower-case header names. */
export type Metadata = Record<string, string>;

export interface S3ObjectInstance {
  bucket: string;
  key: string;
  content: Readable | Buffer | null;
  metadata: Metadata;
  range?: { start: number; end: number };
  readonly size: number;
}

interface S3ObjectClass {
  new (
    bucket: string,
    key: string,
    content: Readable | Buffer | null,
    metadata: Record<string, unknown>,
  ): S3ObjectInstance;
  ALLOWED_METADATA: readonly string[];
}

export const S3Object = require("@20minutes/s3rver/lib/models/object") as S3ObjectClass;

export const S3Bucket = require("@20minutes/s3rver/lib/models/bucket") as new (
  name: string,
  creationDate: Date,
) => { name: string; creationDate: Date };

/** A bucket or object configuration (CORS, website, tagging) as s3rver keeps it. */
export interface S3Config {
  type: string;
  toXML(space?: number): string;
}

const configs = require("@20minutes/s3rver/lib/models/config") as {
  getConfigModel(type: string): (new (xml: string) => S3Config) | undefined;
};

/** The configuration model of a subresource type, parsing the XML it was stored as. */
export function configModel(type: string): new (xml: string) => S3Config {
  const Model = configs.getConfigModel(type);
  if (!Model) throw new S3Error("NotImplemented", `No configuration of type ${type}`);
  return Model;
}

/** The metadata S3 keeps with an object: standard headers it stores and `x-amz-meta-*`. */
export function storedMetadata(headers: Record<string, unknown>): Metadata {
  const kept: Metadata = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") continue;
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith("x-amz-meta-")) {
      kept[name] = value;
    }
  }
  return kept;
}
