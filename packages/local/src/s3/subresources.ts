import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { isBucketName, isStorableKey } from "./keys";
import type { StorePaths } from "./paths";
import { configModel, type S3Config } from "./s3rver-models";

/** Bucket configurations (CORS, website) and object tags: one XML file each. */
export class Subresources {
  constructor(
    private readonly paths: StorePaths,
    /** Loads the bucket; fails with NoSuchBucket when there is no such bucket. */
    private readonly ready: (bucket: string) => Promise<unknown>,
  ) {}

  async get(bucket: string, key: string | undefined, type: string): Promise<S3Config | null> {
    if (!isBucketName(bucket) || (key !== undefined && key !== "" && !isStorableKey(key))) {
      return null;
    }
    try {
      const Model = configModel(type);
      return new Model(await readFile(this.paths.subresource(bucket, key, type), "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async put(bucket: string, key: string | undefined, resource: S3Config): Promise<void> {
    await this.ready(bucket);
    const staging = this.paths.temp(bucket);
    await writeFile(staging, resource.toXML(2));
    await rename(staging, this.paths.subresource(bucket, key, resource.type));
  }

  async delete(bucket: string, key: string | undefined, type: string): Promise<void> {
    await rm(this.paths.subresource(bucket, key, type), { force: true });
  }
}
