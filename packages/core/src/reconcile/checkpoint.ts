import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { aws } from "../errors";
import { ItemType, reconcilerCheckpointKey, TableRepository } from "../table";
import { isValidTenant, type TenantId } from "../tenancy";

/**
 * Where the scheduled reconciler's all-tenant runs stand: a run stopped by its deadline saves
 * the last tenant it compared, the next run goes on after it, and a run that reaches the last
 * tenant clears it, so the one after starts over: a bucket too large for one run is still
 * compared in full, over several.
 */
export class ReconcileCheckpoint extends TableRepository {
  /** The tenant to go on after, if the last run stopped early. */
  async get(): Promise<TenantId | undefined> {
    const result = await aws(
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: reconcilerCheckpointKey(),
          ConsistentRead: true,
        }),
      ),
    );
    const after: unknown = result.Item?.after;
    // A checkpoint that names no valid tenant is ignored: the run starts over.
    return isValidTenant(after) ? after : undefined;
  }

  async save(after: TenantId): Promise<void> {
    await aws(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...reconcilerCheckpointKey(),
            type: ItemType.Checkpoint,
            after,
            savedAt: new Date().toISOString(),
          },
        }),
      ),
    );
  }

  async clear(): Promise<void> {
    await aws(
      this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: reconcilerCheckpointKey() }),
      ),
    );
  }
}
