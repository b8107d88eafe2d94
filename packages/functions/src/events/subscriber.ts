import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { loadOperationsSettings } from "@filegate/core/config";
import {
  decodeEventKey,
  type IngestDeps,
  type IngestResult,
  ingestRecord,
  parseNotification,
} from "@filegate/core/events";
import { headObjectDescriber } from "@filegate/core/storage";
import { parseObjectKey } from "@filegate/core/tenancy";
import type { PublishResult } from "@filegate/core/webhooks";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { Resource } from "sst";
import { accounts } from "../lib/accounts";
import { auditLog } from "../lib/audit-log";
import { fileIndex } from "../lib/file-index";
import { intents } from "../lib/intents";
import { logger } from "../lib/logger";
import { metrics, publishMetrics } from "../lib/metrics";
import { presigner } from "../lib/presigner";
import { batchVerifier } from "../lib/verifier";
import { publishWebhooks } from "../lib/webhook-publisher";
import { METRICS } from "../observability";

export interface SubscriberDeps {
  /**
   * What ingestion needs, built once per invocation: what the dependencies remember (each
   * tenant's limits) lives no longer than the batch.
   */
  ingest: () => IngestDeps;
  logger: Pick<Logger, "info" | "error">;
  metrics: Pick<Metrics, "addMetric" | "hasStoredMetrics" | "publishStoredMetrics">;
  /** The queue's `maxReceiveCount`: a failure on that delivery sends the message to the DLQ. */
  maxReceiveCount: number;
  /** Queues the webhooks of an applied event (never failing for a refusing queue). */
  publish?: (result: IngestResult) => Promise<PublishResult>;
}

/**
 * The queue subscriber over its dependencies: every S3 record of every SQS message is applied
 * to the index, with partial batch responses so one bad message never fails the others.
 * Throwing fails just that message (a batch item failure): it is retried, then kept in the
 * dead-letter queue. Each record is logged with its outcome and counted.
 */
export function createSubscriber(deps: SubscriberDeps) {
  return async (event: SQSEvent, context: Context) => {
    // A processor holds the state of one batch: one per invocation, so that invocations
    // sharing this module (the local stack runs two at once) cannot mix their failures up.
    const processor = new BatchProcessor(EventType.SQS);
    const ingest = deps.ingest();
    try {
      return await processPartialResponse(
        event,
        (message: SQSRecord) => handleMessage(message, ingest, deps),
        processor,
        { context },
      );
    } finally {
      publishMetrics(deps.metrics);
    }
  };
}

/** Applies every S3 record of one SQS message; a failure is logged, counted and thrown. */
async function handleMessage(
  message: SQSRecord,
  ingest: IngestDeps,
  deps: SubscriberDeps,
): Promise<void> {
  const receiveCount = Number(message.attributes.ApproximateReceiveCount ?? 1);
  const context = { messageId: message.messageId, receiveCount };
  const failed = (text: string, fields: Record<string, unknown>, error: unknown) =>
    reportFailure(deps, text, { ...context, ...fields }, error);
  let notification: ReturnType<typeof parseNotification>;
  try {
    notification = parseNotification(message.body);
  } catch (error) {
    failed("message is not an S3 notification", {}, error);
    throw error;
  }
  if (notification.kind === "test") {
    count(deps, METRICS.names.skipped);
    deps.logger.info("skipped S3 test event", { ...context, outcome: "skipped" });
    return;
  }
  for (const record of notification.records) {
    try {
      const result = await ingestRecord(record, ingest);
      count(deps, METRICS.names[result.outcome]);
      const { record: _journal, ...logged } = result;
      deps.logger.info(`event ${result.outcome}`, { ...context, ...logged });
      if (deps.publish) await tellWebhooks(deps, result);
    } catch (error) {
      const { key: objectKey, sequencer } = record.s3.object;
      const fields = { eventName: record.eventName, objectKey, sequencer, ...locate(objectKey) };
      failed("event failed", fields, error);
      throw error;
    }
  }
}

/** Queues the event's webhooks and counts them (a refused queue leaves them in the outbox). */
async function tellWebhooks(deps: SubscriberDeps, result: IngestResult): Promise<void> {
  const published = await deps.publish?.(result);
  if (published?.queued)
    deps.metrics.addMetric(METRICS.names.webhooksQueued, MetricUnit.Count, published.queued);
  if (published?.outboxed) {
    deps.metrics.addMetric(METRICS.names.webhooksOutboxed, MetricUnit.Count, published.outboxed);
    deps.logger.error("webhook queue refused messages: kept in the outbox", {
      outboxed: published.outboxed,
    });
  }
}

/** Logs and counts a failed message; on its last delivery, it says it is dead-lettered. */
function reportFailure(
  deps: SubscriberDeps,
  text: string,
  fields: { receiveCount: number } & Record<string, unknown>,
  error: unknown,
): void {
  count(deps, METRICS.names.failed);
  const last = fields.receiveCount >= deps.maxReceiveCount;
  if (last) count(deps, METRICS.names.deadLettered);
  deps.logger.error(last ? `${text}: last delivery, dead-lettered` : text, {
    ...fields,
    outcome: "failed",
    deadLettered: last,
    error: error as Error,
  });
}

/** Counts one occurrence of a metric. */
function count(deps: Pick<SubscriberDeps, "metrics">, name: string): void {
  deps.metrics.addMetric(name, MetricUnit.Count, 1);
}

/** Tenant and key of an event's object key, when it can be read (for logs). */
function locate(encodedKey: string): { tenant?: string; key?: string } {
  try {
    return parseObjectKey(decodeEventKey(encodedKey)) ?? {};
  } catch {
    return {};
  }
}

const describeObject = headObjectDescriber(presigner);

/** The queue subscriber that keeps the index. */
export const handler = createSubscriber({
  ingest: () => ({
    index: fileIndex,
    audit: auditLog,
    accounts,
    intents,
    verify: batchVerifier(),
    bucket: Resource.FileBucket.name,
    describeObject,
  }),
  logger,
  metrics,
  maxReceiveCount: loadOperationsSettings(process.env).maxReceiveCount,
  publish: publishWebhooks,
});
