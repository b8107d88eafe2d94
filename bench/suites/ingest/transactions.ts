/**
 * A second floor of the ingestion suite: the writes exactly-once ingestion must make, and
 * nothing else. Per batch, one transaction with each event's file state and audit record, each
 * conditional on being new, and the tenant's usage: what the subscriber writes, without its
 * HeadObjects, its read, its decisions and its logs.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TenantUsage } from "@filegate/core/accounts";
import { AuditJournal, eventRecordId } from "@filegate/core/audit";
import { BENCH } from "../../lib/environment";
import { presentFile } from "../../lib/seed";
import { FIXED_OBJECT } from "../../lib/servers";

/** A tenant of its own: the subscriber's tenant's usage is checked after the timing. */
const TENANT = "raw-transactions";

/** Writes `batch` events' items in one transaction per call, on new keys each time. */
export function createRawTransactions(batch: number): () => Promise<unknown> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const access = { client: documents, tableName: BENCH.table };
  const journal = new AuditJournal({ ...access, retentionSeconds: 86_400 });
  const usage = new TenantUsage({
    ...access,
    defaults: { maxObjectBytes: 1e12, maxBytes: null, maxObjects: null, allowedContentTypes: [] },
  });
  const conditional = { ConditionExpression: "attribute_not_exists(pk)" };
  let written = 0;
  return () => {
    const items: object[] = [];
    for (let i = 0; i < batch; i++) {
      const n = written++;
      const key = `raw-transaction/${n}.pdf`;
      const sequencer = (n + 1).toString(16).toUpperCase();
      const state = presentFile(TENANT, key, sequencer);
      items.push({ Put: { TableName: BENCH.table, Item: state, ...conditional } });
      const record = journal.eventItem({
        id: eventRecordId(BENCH.bucket, `tenants/${TENANT}/${key}`, sequencer, "ObjectCreated:Put"),
        tenant: TENANT,
        key,
        action: "write",
        event: "ObjectCreated:Put",
        eventTime: state.eventTime,
        sequencer,
        size: FIXED_OBJECT.size,
        etag: FIXED_OBJECT.etag,
        stale: false,
        attribution: "metadata",
        grant: { id: "g-raw-transaction", actor: BENCH.actor },
        verdict: "admitted",
        change: "created",
        contentType: FIXED_OBJECT.contentType,
      });
      items.push({ Put: { TableName: BENCH.table, Item: record, ...conditional } });
    }
    const counted = usage.adjustment(TENANT, {
      bytes: batch * FIXED_OBJECT.size,
      objects: batch,
    });
    if (counted) items.push({ Update: counted });
    return documents.send(new TransactWriteCommand({ TransactItems: items as never }));
  };
}
