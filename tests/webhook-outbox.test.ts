import {
  publishExpiredUpload,
  type StoredEndpoint,
  type WebhookMessage,
  WebhookOutbox,
  type WebhookQueue,
} from "@filegate/core/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable } from "./helpers/table";

/**
 * A queue that refuses never fails the change it tells of: the messages are kept in the
 * table's outbox (one BatchWriteItem per 25), and the outbox job queues them again.
 */
describe("the webhook outbox", () => {
  let table: Awaited<ReturnType<typeof startTestTable>>;
  let outbox: WebhookOutbox;

  beforeAll(async () => {
    table = await startTestTable("webhook-outbox");
    outbox = new WebhookOutbox({ client: table.doc, tableName: table.tableName });
  }, 60_000);
  afterAll(async () => {
    await table?.stop();
  });

  const endpoint = (id: string): StoredEndpoint => ({
    id,
    tenant: "acme",
    url: `https://hooks.example.com/${id}`,
    events: ["upload.expired"],
    enabled: true,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  });

  it("keeps what a refusing queue did not take, and queues it again when drained", async () => {
    const endpoints = Array.from({ length: 30 }, (_, i) => endpoint(`ep_${i}`));
    const refusing: WebhookQueue = {
      send: async () => {
        throw new Error("the queue is unavailable");
      },
      deadLetter: async () => undefined,
    };
    const intent = { id: "up_1", tenant: "acme", key: "docs/a.txt", size: 5 };
    const published = await publishExpiredUpload(intent, new Date(), {
      endpointsOf: async () => endpoints,
      queue: refusing,
      outbox,
    });
    expect(published).toEqual({ queued: 0, outboxed: 30 });

    const queued: WebhookMessage[] = [];
    const accepting: WebhookQueue = {
      send: async (messages) => {
        queued.push(...messages);
      },
      deadLetter: async () => undefined,
    };
    expect(await outbox.drain(accepting)).toBe(30);
    expect(queued.map((message) => message.endpoint).sort()).toEqual(
      endpoints.map((e) => e.id).sort(),
    );
    expect(new Set(queued.map((message) => message.event.type))).toEqual(
      new Set(["upload.expired"]),
    );
    expect(await outbox.drain(accepting)).toBe(0);
  });
});
