/** Floor of the queue subscriber: per record, a presigned HEAD and one conditional update. */
import type { SQSEvent } from "aws-lambda";
import { record } from "./parts/dynamo";
import { head } from "./parts/sign";

interface S3Record {
  s3: { object: { key: string; sequencer: string } };
}

export const handler = async (event: SQSEvent) => {
  await Promise.all(
    event.Records.map(async (message) => {
      for (const { s3 } of (JSON.parse(message.body) as { Records: S3Record[] }).Records) {
        const objectKey = decodeURIComponent(s3.object.key.replaceAll("+", " "));
        const [, tenant = "", ...key] = objectKey.split("/");
        const headers = await head(objectKey);
        await record(tenant, key.join("/"), s3.object.sequencer, String(headers["content-type"]));
      }
    }),
  );
  return { batchItemFailures: [] };
};
