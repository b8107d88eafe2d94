import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { headObjectDescriber, ingestRecord, parseNotification } from "@filegate/core/events";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { Resource } from "sst";
import { fileIndex } from "../lib/file-index";
import { logger } from "../lib/logger";
import { presigner } from "../lib/presigner";

const processor = new BatchProcessor(EventType.SQS);
const deps = {
  index: fileIndex,
  bucket: Resource.FileBucket.name,
  describeObject: headObjectDescriber(presigner),
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
