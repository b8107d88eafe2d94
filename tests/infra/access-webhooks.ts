import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { WebhookMessage } from "@filegate/core/webhooks";
import { WebhookOutbox } from "@filegate/core/webhooks";
import { JOBS, WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import { lambdaContext } from "@filegate/local";
import type { Context } from "aws-lambda";
import { expect } from "vitest";
import { Receiver } from "../helpers/receiver";

type Call = (
  routeKey: string,
  request?: { path?: Record<string, string>; body?: unknown },
) => Promise<{ statusCode: number; json: Record<string, unknown> }>;
type Invoke = (name: string, spec: string, event: unknown, context: Context) => Promise<unknown>;

/** The SQS action (and the queue it applies to) of a call of the functions' SQS client. */
export function sqsGrant(commandName: string, queueUrl: string | undefined): string {
  if (!/^SendMessage(Batch)?Command$/.test(commandName))
    return `unknown SQS command ${commandName}`;
  return `sqs:SendMessage ${queueUrl?.endsWith("dead-letters") ? "WebhookDeadLetters" : "WebhookQueue"}`;
}

/**
 * Registers an endpoint (a real receiver answering 500) before the subscriber runs, so that
 * it queues webhooks; `finish` then runs every webhook route, the delivery function (a
 * retry, and a message past its window that is dead-lettered) and the outbox job.
 */
export async function exerciseWebhooks(
  call: Call,
  invoke: Invoke,
  table: DynamoDBDocumentClient,
  tableName: string,
) {
  const receiver = await new Receiver().start();
  receiver.answer = () => 500;
  const created = await call("POST /webhooks", { body: { url: receiver.url } });
  const id = String(created.json.id);
  const path = { id };
  return {
    async finish(tenant: string) {
      await call("GET /webhooks");
      await call("GET /webhooks/{id}", { path });
      await call("PATCH /webhooks/{id}", { path, body: { description: "checked" } });
      await call("POST /webhooks/{id}/rotate-secret", { path });
      const from = new Date(Date.now() - 3600_000).toISOString();
      const replay = await call("POST /webhooks/{id}/replay", { path, body: { from } });
      expect(replay.json.queued).toEqual(expect.any(Number));
      const message = (firstAt: string): WebhookMessage => ({
        tenant,
        endpoint: id,
        event: {
          id: `msg_${randomUUID().replaceAll("-", "")}`,
          type: "file.created",
          timestamp: new Date().toISOString(),
          data: { tenant, key: "docs/a.txt", actor: null },
        },
        attempt: 1,
        firstAt,
      });
      const sqsEvent = (...bodies: WebhookMessage[]) => ({
        Records: bodies.map((body) => ({
          messageId: randomUUID(),
          body: JSON.stringify(body),
          attributes: { ApproximateReceiveCount: "1" },
        })),
      });
      const fresh = message(new Date().toISOString());
      const expired = message("2020-01-01T00:00:00.000Z");
      const answer = await invoke(
        "webhook delivery",
        WEBHOOK_DELIVERY.handler,
        sqsEvent(fresh, expired),
        lambdaContext("webhook delivery", 120_000),
      );
      expect(answer).toEqual({ batchItemFailures: [] });
      await call("GET /webhooks/{id}/deliveries", { path });
      await new WebhookOutbox({ client: table, tableName }).put([fresh]);
      const drained = await invoke(
        "drainWebhookOutbox",
        JOBS.drainWebhookOutbox.handler,
        {},
        lambdaContext("drainWebhookOutbox"),
      );
      expect(drained).toEqual({ queued: 1 });
      await call("DELETE /webhooks/{id}", { path });
      await receiver.stop();
    },
  };
}
