/**
 * Floor of the queue subscriber: per record of an upload, a presigned HEAD (Content-Type and
 * the attestation in the metadata, which needs no table read); per tenant its limits; then
 * for the whole batch one read of the files' states and one transaction with their new
 * states, the events' audit records and the tenant's usage; then per tenant its webhook
 * endpoints (none here: nothing to send).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import {
  auditItem,
  batchGet,
  conditionalPut,
  limits,
  stateUpdate,
  transact,
  usageUpdate,
  webhookEndpoints,
} from "./parts/dynamo";
import { head } from "./parts/sign";

interface S3Record {
  eventName: string;
  s3: { object: { key: string; sequencer: string; size: number } };
}

export const handler = async (event: SQSEvent) => {
  const records = event.Records.flatMap(
    (message) => (JSON.parse(message.body) as { Records: S3Record[] }).Records,
  );
  const events = await Promise.all(
    records.map(async ({ eventName, s3 }) => {
      const objectKey = decodeURIComponent(s3.object.key.replaceAll("+", " "));
      const [, tenant = "", ...rest] = objectKey.split("/");
      const headers = await head(objectKey);
      return { ...s3.object, eventName, tenant, key: rest.join("/"), headers };
    }),
  );
  const tenants = [...new Set(events.map((e) => e.tenant))];
  const keys = events.map((e) => ({ pk: { S: `FILE#${e.tenant}#${e.key}` }, sk: { S: "STATE" } }));
  const [seen] = await Promise.all([batchGet(keys), ...tenants.map((t) => limits(t))]);
  const sizes = new Map(seen.map((item: Record<string, AttributeValue>) => [item.pk?.S, item]));
  const items = events.flatMap((e) => [
    stateUpdate(e.tenant, e.key, e.sequencer, String(e.headers["content-type"]), e.size),
    conditionalPut(
      auditItem(e.tenant, e.key, `e${e.sequencer}`, { kind: "event", event: e.eventName }),
    ),
  ]);
  for (const tenant of tenants) {
    const mine = events.filter((e) => e.tenant === tenant);
    const before = mine.map((e) => Number(sizes.get(`FILE#${tenant}#${e.key}`)?.size?.N ?? 0));
    const bytes = mine.reduce((sum, e, i) => sum + e.size - (before[i] ?? 0), 0);
    items.push(usageUpdate(tenant, bytes, before.filter((b) => b === 0).length));
  }
  await transact(items);
  await Promise.all(tenants.map((tenant) => webhookEndpoints(tenant)));
  return { batchItemFailures: [] };
};
