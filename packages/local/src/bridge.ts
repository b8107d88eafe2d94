import { createHash, randomUUID } from "node:crypto";
import { appendFile, readFile, unlink, writeFile } from "node:fs/promises";
import { encodeEventKey } from "@filegate/core/events";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { EmulatorEventRecord } from "./s3/emulator";

/** A queued SQS message, as the local queue keeps it. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentTimestamp: number;
}

export interface BridgeOptions {
  region: string;
  queueArn: string;
  /** Invokes the subscriber with one SQS batch. */
  deliver(event: SQSEvent): Promise<SQSBatchResponse | undefined>;
  /** Deliveries per message before it is dead-lettered (SQS `maxReceiveCount`). */
  maxReceiveCount: number;
  /** Delay before redelivery after the n-th failed attempt. */
  backoffMs(attempt: number): number;
  /** Dead letters are appended here, one JSON line each. */
  deadLetterFile: string;
  batchSize?: number;
  concurrency?: number;
  log(message: string): void;
}

/**
 * The local stand-in for S3 notifications → SQS → Lambda: turns the emulator's events into
 * SQS-shaped batches for the real subscriber, retries failed messages with backoff, and
 * after `maxReceiveCount` deliveries writes them to the dead-letter file. Nothing is dropped.
 */
export class EventBridge {
  private readonly ready: QueuedMessage[] = [];
  /** Messages waiting out their backoff before redelivery. */
  private readonly waiting = new Map<NodeJS.Timeout, QueuedMessage>();
  private inFlight = 0;
  private lastSequencer = 0n;
  private idleWaiters: Array<() => void> = [];
  private scheduled = false;
  private stopped = false;
  readonly stats = { delivered: 0, failed: 0, deadLettered: 0 };

  constructor(private readonly options: BridgeOptions) {}

  /**
   * Queues one emulator event as S3 would send it: the key URL-encoded, the region set, and
   * a sequencer that is unique and increasing (the emulator's is a millisecond timestamp).
   */
  publish(record: EmulatorEventRecord): void {
    const sequencer = this.nextSequencer();
    const s3Record = {
      ...record,
      eventSource: "aws:s3",
      awsRegion: this.options.region,
      s3: {
        ...record.s3,
        object: { ...record.s3.object, key: encodeEventKey(record.s3.object.key), sequencer },
      },
    };
    this.send(JSON.stringify({ Records: [s3Record] }));
  }

  /** Queues a raw message body (redrive, tests). */
  send(body: string, messageId: string = randomUUID()): void {
    this.enqueue({ messageId, body, receiveCount: 0, sentTimestamp: Date.now() });
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; returns the messages not yet delivered (to keep for the next start). */
  async stop(): Promise<QueuedMessage[]> {
    this.stopped = true;
    const pending = [...this.ready.splice(0), ...this.waiting.values()];
    for (const timer of this.waiting.keys()) clearTimeout(timer);
    this.waiting.clear();
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    return pending.concat(this.ready.splice(0));
  }

  private nextSequencer(): string {
    const fromClock = BigInt(Date.now()) << 16n;
    this.lastSequencer = fromClock > this.lastSequencer ? fromClock : this.lastSequencer + 1n;
    return this.lastSequencer.toString(16).toUpperCase();
  }

  private enqueue(message: QueuedMessage): void {
    this.ready.push(message);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // Let a burst of events gather into one batch, as SQS batching does.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 2;
    const batchSize = this.options.batchSize ?? 10;
    while (!this.stopped && this.inFlight < concurrency && this.ready.length > 0) {
      const batch = this.ready.splice(0, batchSize);
      this.inFlight++;
      this.deliver(batch).finally(() => {
        this.inFlight--;
        this.pump();
        this.notifyIfIdle();
      });
    }
  }

  private async deliver(batch: QueuedMessage[]): Promise<void> {
    for (const message of batch) message.receiveCount++;
    let failed: Set<string>;
    try {
      const response = await this.options.deliver(this.toSqsEvent(batch));
      failed = new Set(response?.batchItemFailures?.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, as Lambda would.
      this.options.log(`subscriber failed the whole batch: ${(error as Error).message}`);
      failed = new Set(batch.map((message) => message.messageId));
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) {
        this.stats.delivered++;
        continue;
      }
      this.stats.failed++;
      if (message.receiveCount >= this.options.maxReceiveCount) {
        await this.deadLetter(message);
      } else {
        this.retryLater(message);
      }
    }
  }

  private retryLater(message: QueuedMessage): void {
    const timer = setTimeout(() => {
      this.waiting.delete(timer);
      this.enqueue(message);
    }, this.options.backoffMs(message.receiveCount));
    this.waiting.set(timer, message);
  }

  private async deadLetter(message: QueuedMessage): Promise<void> {
    this.stats.deadLettered++;
    const line = JSON.stringify({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      sentTimestamp: message.sentTimestamp,
      deadLetteredAt: new Date().toISOString(),
    });
    await appendFile(this.options.deadLetterFile, `${line}\n`);
    this.options.log(
      `message ${message.messageId} failed ${message.receiveCount} times: kept in ${this.options.deadLetterFile}`,
    );
  }

  private toSqsEvent(batch: QueuedMessage[]): SQSEvent {
    const queue = { arn: this.options.queueArn, region: this.options.region };
    const receivedAt = Date.now();
    return { Records: batch.map((message) => toSqsRecord(message, queue, receivedAt)) };
  }

  private isIdle(): boolean {
    return (
      this.ready.length === 0 && this.inFlight === 0 && this.waiting.size === 0 && !this.scheduled
    );
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A queued message as Lambda hands it to a queue subscriber: one record of an SQS event. */
export function toSqsRecord(
  message: QueuedMessage,
  queue: { arn: string; region: string },
  receivedAt: number = Date.now(),
): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: randomUUID(),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: "s3.amazonaws.com",
      ApproximateFirstReceiveTimestamp: String(receivedAt),
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(message.body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: queue.arn,
    awsRegion: queue.region,
  };
}

/** Queues again the messages a previous run left undelivered (and forgets the file). */
export async function requeuePending(file: string, bridge: EventBridge): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const message = JSON.parse(line) as QueuedMessage;
    bridge.send(message.body, message.messageId);
  }
  await unlink(file);
}

/** Keeps undelivered messages for the next run, one JSON line each. */
export async function savePending(file: string, pending: QueuedMessage[]): Promise<void> {
  await writeFile(file, pending.map((message) => `${JSON.stringify(message)}\n`).join(""));
}
