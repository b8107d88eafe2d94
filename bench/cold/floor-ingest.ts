/**
 * Floor of the queue subscriber, per record of an upload: a presigned HEAD (Content-Type
 * and the grant id in the metadata), the grant's record and the tenant's limits, the file's
 * state, the event's audit record, the tenant's usage.
 */
import type { SQSEvent } from "aws-lambda";
import { addUsage, auditItem, findGrant, limits, put, record } from "./parts/dynamo";
import { head } from "./parts/sign";

interface S3Record {
  eventName: string;
  s3: { object: { key: string; sequencer: string; size: number } };
}

export const handler = async (event: SQSEvent) => {
  await Promise.all(
    event.Records.map(async (message) => {
      for (const { eventName, s3 } of (JSON.parse(message.body) as { Records: S3Record[] })
        .Records) {
        const objectKey = decodeURIComponent(s3.object.key.replaceAll("+", " "));
        const [, tenant = "", ...rest] = objectKey.split("/");
        const key = rest.join("/");
        const headers = await head(objectKey);
        const grantId = String(headers["x-amz-meta-filegate-grant"]);
        const grant = await findGrant(tenant, key, grantId);
        await limits(tenant);
        const { sequencer, size } = s3.object;
        const state = await record(tenant, key, sequencer, String(headers["content-type"]), size);
        const id = `e${sequencer}`;
        await put(
          auditItem(tenant, key, id, {
            kind: "event",
            action: "write",
            event: eventName,
            grantId,
            actor: grant?.actor?.S ?? "",
          }),
        );
        if (state.applied) {
          await addUsage(
            tenant,
            size - (state.previous ?? 0),
            state.previous === undefined ? 1 : 0,
          );
        }
      }
    }),
  );
  return { batchItemFailures: [] };
};
