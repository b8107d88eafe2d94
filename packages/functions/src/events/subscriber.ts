import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { headObjectDescriber, ingestRecord, parseNotification } from "@filegate/core/events";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { Resource } from "sst";
import { accounts, intents } from "../lib/accounts";
import { auditLog } from "../lib/audit-log";
import { fileIndex } from "../lib/file-index";
import { logger } from "../lib/logger";
import { s3 } from "../lib/s3";
import { verifier } from "../lib/verifier";

const processor = new BatchProcessor(EventType.SQS);
const deps = {
  index: fileIndex,
  audit: auditLog,
  accounts,
  intents,
  verify: (arrival: Parameters<typeof verifier.verify>[0]) => verifier.verify(arrival),
  bucket: Resource.FileBucket.name,
  describeObject: headObjectDescriber(s3, Resource.FileBucket.name),
};

/**
 * One SQS message from the bucket's notifications: every S3 record in it is applied to the
 * index. Throwing fails just this message (a batch item failure): it is retried, then kept
 * in the dead-letter queue.
 */
async function recordHandler(message: SQSRecord): Promise<void> {
  const context = { messageId: message.messageId };
  let notification: ReturnType<typeof parseNotification>;
  try {
    notification = parseNotification(message.body);
  } catch (error) {
    logger.error("message is not an S3 notification", {
      ...context,
      outcome: "failed",
      error: error as Error,
    });
    throw error;
  }
  if (notification.kind === "test") {
    logger.info("skipped S3 test event", { ...context, outcome: "skipped" });
    return;
  }
  for (const record of notification.records) {
    try {
      const result = await ingestRecord(record, deps);
      logger.info(`event ${result.outcome}`, { ...context, ...result });
    } catch (error) {
      logger.error("event failed", {
        ...context,
        eventName: record.eventName,
        objectKey: record.s3.object.key,
        sequencer: record.s3.object.sequencer,
        outcome: "failed",
        error: error as Error,
      });
      throw error;
    }
  }
}

/** The queue subscriber: partial batch responses, so one bad message never fails the others. */
export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context });
