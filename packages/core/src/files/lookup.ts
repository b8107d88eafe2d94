import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import { type FileItem, fileStateKey, TableRepository } from "../table";
import type { FileKey, TenantId } from "../tenancy";

/** A present file as the API shows it. */
export interface FileView {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * The index's answer about one file: what the routes that check ownership need, and nothing
 * else, so that their bundles carry neither the listing nor the event writes
 * ({@link FileIndex} has those).
 */
export class FileLookup extends TableRepository {
  /** The stored item of a file, tombstone included (strongly consistent). */
  async get(tenant: TenantId, key: FileKey): Promise<FileItem | undefined> {
    const result = await aws(
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: fileStateKey(tenant, key),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item as FileItem | undefined;
  }

  /** The file if the tenant holds it now: the ownership check behind GET, HEAD and DELETE. */
  async getPresent(tenant: TenantId, key: FileKey): Promise<FileView | undefined> {
    const item = await this.get(tenant, key);
    return item?.state === "present" ? toView(item) : undefined;
  }
}

/** The API's view of a stored file item. */
export function toView(item: FileItem): FileView {
  return {
    key: item.key,
    size: item.size ?? 0,
    etag: item.etag ?? "",
    contentType: item.contentType ?? DEFAULT_CONTENT_TYPE,
    lastModified: item.eventTime,
  };
}
