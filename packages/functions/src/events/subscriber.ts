import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { loadOperationsSettings } from "@filegate/core/config";
import {
  type BatchEntry,
  decodeEventKey,
  type IngestDeps,
  type IngestResult,
  ingestBatch,
  parseNotification,
  type S3EventRecord,
} from "@filegate/core/events";
import { headObjectDescriber } from "@filegate/core/storage";
import { parseObjectKey } from "@filegate/core/tenancy";
import type { PublishResult } from "@filegate/core/webhooks";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { Resource } from "sst";
import { auditLog } from "../lib/audit-log";
import { commits } from "../lib/commits";
import { intents } from "../lib/intents";
import { logger } from "../lib/logger";
import { metrics, publishMetrics } from "../lib/metrics";
import { presigner } from "../lib/presigner";
import { usage } from "../lib/usage";
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
  /** Queues the webhooks of an applied event (a refusing queue leaves them in the outbox). */
  publish?: (result: IngestResult) => Promise<PublishResult>;
}

/**
 * The queue subscriber over its dependencies: the S3 records of all the batch's SQS messages
 * are applied to the index together ({@link ingestBatch}: a read and a transaction per
 * round, not calls per record), then each message is reported with partial batch
 * responses, so one bad message never fails the others. A message with a record that could
 * not be applied fails alone (a batch item failure): it is retried, then kept in the
 * dead-letter queue. Each record is logged with its outcome and counted.
 */
export function createSubscriber(deps: SubscriberDeps) {
  return async (event: SQSEvent, context: Context) => {
    // A processor holds the state of one batch: one per invocation, so that invocations
    // sharing this module (the local stack runs two at once) cannot mix their failures up.
    const processor = new BatchProcessor(EventType.SQS);
    try {
      const outcomes = await ingestMessages(event.Records, deps.ingest());
      if (deps.publish) await tellWebhooks(outcomes, deps.publish, deps);
      return await processPartialResponse(
        event,
        async (message: SQSRecord) => reportMessage(message, outcomes.get(message), deps),
        processor,
        { context },
      );
    } finally {
      publishMetrics(deps.metrics);
    }
  };
}

/** What became of one SQS message: not an S3 notification, a test event, or its records. */
type MessageOutcome =
  | { kind: "unreadable"; error: unknown }
  | { kind: "test" }
  | { kind: "records"; records: S3EventRecord[]; entries: BatchEntry[] };

/** Parses every message and applies all their S3 records as one batch. */
async function ingestMessages(
  messages: readonly SQSRecord[],
  ingest: IngestDeps,
): Promise<Map<SQSRecord, MessageOutcome>> {
  const outcomes = new Map<SQSRecord, MessageOutcome>();
  const parsed: Array<[SQSRecord, S3EventRecord[]]> = [];
  for (const message of messages) {
    try {
      const notification = parseNotification(message.body);
      if (notification.kind === "test") outcomes.set(message, { kind: "test" });
      else parsed.push([message, notification.records]);
    } catch (error) {
      outcomes.set(message, { kind: "unreadable", error });
    }
  }
  const entries = await ingestBatch(
    parsed.flatMap(([, records]) => records),
    ingest,
  );
  let at = 0;
  for (const [message, records] of parsed) {
    outcomes.set(message, {
      kind: "records",
      records,
      entries: entries.slice(at, at + records.length),
    });
    at += records.length;
  }
  return outcomes;
}

/**
 * Queues the webhooks of every applied record. Only a record whose webhooks could be neither
 * queued nor kept in the outbox fails (and is retried: ingestion is idempotent).
 */
async function tellWebhooks(
  outcomes: Map<SQSRecord, MessageOutcome>,
  publish: NonNullable<SubscriberDeps["publish"]>,
  deps: SubscriberDeps,
): Promise<void> {
  const calls = [...outcomes.values()].flatMap((outcome) =>
    outcome.kind !== "records"
      ? []
      : outcome.entries.map(async (entry, at) => {
          if (!entry || !("result" in entry)) return;
          try {
            const published = await publish(entry.result);
            countWebhooks(deps, published);
          } catch (error) {
            outcome.entries[at] = { error };
          }
        }),
  );
  await Promise.all(calls);
}

function countWebhooks(deps: SubscriberDeps, published: PublishResult): void {
  const { queued, outboxed } = published;
  if (queued) deps.metrics.addMetric(METRICS.names.webhooksQueued, MetricUnit.Count, queued);
  if (outboxed) {
    deps.metrics.addMetric(METRICS.names.webhooksOutboxed, MetricUnit.Count, outboxed);
    deps.logger.error("the webhook queue refused messages: kept in the outbox", { outboxed });
  }
}

/** Logs and counts what became of one message's records; throws if one of them failed. */
function reportMessage(
  message: SQSRecord,
  outcome: MessageOutcome | undefined,
  deps: SubscriberDeps,
): void {
  const receiveCount = Number(message.attributes.ApproximateReceiveCount ?? 1);
  const context = { messageId: message.messageId, receiveCount };
  const failed = (text: string, fields: Record<string, unknown>, error: unknown) =>
    reportFailure(deps, text, { ...context, ...fields }, error);
  if (!outcome || outcome.kind === "unreadable") {
    const error = outcome?.error ?? new Error("the message was not processed");
    failed("message is not an S3 notification", {}, error);
    throw error;
  }
  if (outcome.kind === "test") {
    count(deps, METRICS.names.skipped);
    deps.logger.info("skipped S3 test event", { ...context, outcome: "skipped" });
    return;
  }
  let firstError: unknown;
  for (const [at, record] of outcome.records.entries()) {
    const entry = outcome.entries[at];
    if (entry && "result" in entry) {
      count(deps, METRICS.names[entry.result.outcome]);
      const { record: _journal, ...logged } = entry.result;
      deps.logger.info(`event ${entry.result.outcome}`, { ...context, ...logged });
      continue;
    }
    const error = entry?.error ?? new Error("the record was not processed");
    const { key: objectKey, sequencer } = record.s3.object;
    const fields = { eventName: record.eventName, objectKey, sequencer, ...locate(objectKey) };
    failed("event failed", fields, error);
    firstError ??= error;
  }
  if (firstError !== undefined) throw firstError;
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
    commits,
    audit: auditLog,
    accounts: usage,
    intents,
    ...batchVerifier(),
    bucket: Resource.FileBucket.name,
    describeObject,
  }),
  logger,
  metrics,
  maxReceiveCount: loadOperationsSettings(process.env).maxReceiveCount,
  publish: publishWebhooks,
});
