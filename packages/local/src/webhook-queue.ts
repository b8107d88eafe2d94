import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { EventBridge } from "./bridge";
import { importHandler } from "./handlers";
import { lambdaContext } from "./lambda";
import { type SentMessage, startLocalSqs } from "./sqs";

export const WEBHOOK_QUEUE = "filegate-local-webhooks";
export const WEBHOOK_DEAD_LETTERS = "filegate-local-webhook-dead-letters";
const WEBHOOK_QUEUE_ARN = `arn:aws:sqs:us-east-1:000000000000:${WEBHOOK_QUEUE}`;

/**
 * The local webhook queue: messages sent to the local SQS endpoint wait out their delay, then
 * an {@link EventBridge} hands them to the real delivery function in SQS batches (retrying a
 * failed message, dead-lettering it after `maxReceiveCount`, as the queue's redrive policy
 * does). Messages sent to the dead-letter queue are appended to `deadLetterFile`.
 */
export class LocalWebhookQueue {
  private readonly bridge: EventBridge;
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Bodies of the messages sent to the dead-letter queue, oldest first. */
  readonly deadLetters: string[] = [];

  constructor(
    private readonly options: {
      region: string;
      deliver(event: SQSEvent): Promise<SQSBatchResponse | undefined>;
      maxReceiveCount: number;
      backoffMs(attempt: number): number;
      deadLetterFile: string;
      log(line: string): void;
    },
  ) {
    this.bridge = new EventBridge({ ...options, queueArn: WEBHOOK_QUEUE_ARN, concurrency: 4 });
  }

  /** Takes one message the local SQS endpoint received. */
  accept(message: SentMessage): void {
    if (message.queue === WEBHOOK_DEAD_LETTERS) {
      this.deadLetters.push(message.body);
      appendFile(this.options.deadLetterFile, `${message.body}\n`).catch((error: Error) =>
        this.options.log(`webhook dead letter not written: ${error.message}`),
      );
      return;
    }
    if (message.queue !== WEBHOOK_QUEUE) {
      this.options.log(`message for unknown queue ${message.queue} dropped`);
      return;
    }
    if (message.delaySeconds === 0) {
      this.bridge.send(message.body);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.bridge.send(message.body);
    }, message.delaySeconds * 1000);
    this.delayed.add(timer);
  }

  /** Resolves once no message is delayed, queued or being delivered. */
  async idle(): Promise<void> {
    for (;;) {
      await this.bridge.idle();
      if (this.delayed.size === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.delayed.size === 0) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    await this.bridge.stop();
  }
}

/**
 * The local stack's webhook settings: loopback targets allowed, and the retry schedule
 * compressed to seconds (first retry after about 1 s, at most 4 s apart, for 30 s), unless the
 * environment sets them.
 */
export const LOCAL_WEBHOOK_ENVIRONMENT = {
  FILEGATE_WEBHOOK_LOOPBACK: "true",
  FILEGATE_WEBHOOK_RETRY_FIRST: "1",
  FILEGATE_WEBHOOK_RETRY_MAX: "4",
  FILEGATE_WEBHOOK_RETRY_WINDOW: "30",
  FILEGATE_WEBHOOK_CACHE: "0",
} as const;

type Delivery = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Starts the local SQS endpoint of the webhook queues. `environment` points the functions at it
 * (set it before any handler is imported); `attach` then loads the real delivery function and
 * starts feeding it.
 */
export async function startWebhookQueues(options: {
  region: string;
  dataDir: string;
  maxReceiveCount: number;
  backoffMs(attempt: number): number;
  log(line: string): void;
  cleanup: Array<() => Promise<void>>;
}): Promise<{
  environment: Record<string, string>;
  attach(): Promise<LocalWebhookQueue>;
}> {
  let queue: LocalWebhookQueue | undefined;
  const early: SentMessage[] = [];
  const sqs = await startLocalSqs({
    onMessage: (message) => (queue ? queue.accept(message) : early.push(message)),
  });
  options.cleanup.push(() => sqs.stop());
  const environment: Record<string, string> = {
    AWS_ENDPOINT_URL_SQS: sqs.url,
    SST_RESOURCE_WebhookQueue: JSON.stringify({
      url: sqs.queueUrl(WEBHOOK_QUEUE),
      type: "sst.aws.Queue",
    }),
    SST_RESOURCE_WebhookDeadLetters: JSON.stringify({
      url: sqs.queueUrl(WEBHOOK_DEAD_LETTERS),
      type: "sst.aws.Queue",
    }),
  };
  for (const [name, value] of Object.entries(LOCAL_WEBHOOK_ENVIRONMENT)) {
    environment[name] = process.env[name] || value;
  }
  const attach = async () => {
    const delivery = (await importHandler(WEBHOOK_DELIVERY.handler)) as Delivery;
    const timeoutMs = WEBHOOK_DELIVERY.timeoutSeconds * 1000;
    queue = new LocalWebhookQueue({
      ...options,
      deliver: (event) => delivery(event, lambdaContext("filegate-local-webhooks", timeoutMs)),
      deadLetterFile: join(options.dataDir, "webhook-dead-letters.jsonl"),
    });
    for (const message of early.splice(0)) queue.accept(message);
    const started = queue;
    options.cleanup.push(() => started.stop());
    return started;
  };
  return { environment, attach };
}
