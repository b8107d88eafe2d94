import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deliverMessage } from "./deliver";
import { eventsOfChange, webhookMessageId } from "./events";
import type { WebhookMessage } from "./messages";
import { parseReplay } from "./requests";
import { nextRetryDelay, scheduleSpan } from "./schedule";
import { newWebhookSecret, signedHeaders } from "./secrets";
import { isAllowedAddress, mustBeValidTargetUrl, resolveTarget } from "./targets";

const AWS = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe("webhook targets", () => {
  it("refuses private, loopback, link-local, unique-local and IPv4-mapped addresses", () => {
    for (const address of [
      "10.1.2.3",
      "127.0.0.1",
      "169.254.169.254",
      "172.20.0.1",
      "192.168.1.1",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:10.0.0.1",
      "::ffff:a00:1",
      "::ffff:127.0.0.1",
    ]) {
      expect(isAllowedAddress(address, AWS), address).toBe(false);
    }
    for (const address of ["93.184.216.34", "2606:2800:220:1::1", "::ffff:93.184.216.34"]) {
      expect(isAllowedAddress(address, AWS), address).toBe(true);
    }
  });

  it("lets the local stack reach loopback, and nothing else private", () => {
    expect(isAllowedAddress("127.0.0.1", LOCAL)).toBe(true);
    expect(isAllowedAddress("::1", LOCAL)).toBe(true);
    expect(isAllowedAddress("10.0.0.1", LOCAL)).toBe(false);
    expect(mustBeValidTargetUrl("http://127.0.0.1:9000/h", LOCAL).port).toBe("9000");
    expect(mustBeValidTargetUrl("http://localhost/h", LOCAL).hostname).toBe("localhost");
    expect(() => mustBeValidTargetUrl("http://127.0.0.1/h", AWS)).toThrow(/https/);
    expect(() => mustBeValidTargetUrl("http://example.com/h", LOCAL)).toThrow(/https/);
    expect(() => mustBeValidTargetUrl("https://u:p@example.com/", AWS)).toThrow(/credentials/);
    expect(() => mustBeValidTargetUrl("not a url", AWS)).toThrow(/absolute/);
  });

  it("refuses a host when any address it resolves to is private", async () => {
    const url = new URL("https://hooks.example.com/");
    const resolving = (addresses: string[]) => async () => addresses;
    await expect(resolveTarget(url, AWS, resolving(["93.184.216.34"]))).resolves.toEqual({
      address: "93.184.216.34",
      family: 4,
    });
    await expect(
      resolveTarget(url, AWS, resolving(["93.184.216.34", "10.0.0.1"])),
    ).rejects.toMatchObject({ code: "invalid_webhook_url" });
    await expect(resolveTarget(url, AWS, resolving([]))).rejects.toThrow(/does not resolve/);
  });
});

describe("webhook events and signatures", () => {
  const source = {
    recordId: "e123",
    change: "created" as const,
    eventTime: "2026-12-01T10:00:00.000Z",
    data: { tenant: "acme", key: "a.txt", actor: "alice", intentId: "u1" },
  };

  it("tells an admitted upload as file.created and upload.completed, with stable ids", () => {
    const events = eventsOfChange(source);
    expect(events.map((event) => event.type)).toEqual(["file.created", "upload.completed"]);
    expect(events[0]?.id).toBe(webhookMessageId("e123", "file.created"));
    expect(eventsOfChange(source)[0]?.id).toBe(events[0]?.id);
    expect(eventsOfChange({ ...source, change: "quarantined" }).map((e) => e.type)).toEqual([
      "file.quarantined",
    ]);
  });

  it("signs as Standard Webhooks verifies, with the old secret too after a rotation", () => {
    const [secret, old] = [newWebhookSecret(), newWebhookSecret()];
    const message = { id: "msg_1", body: '{"a":1}', at: new Date() };
    const headers = signedHeaders([secret, old], message);
    expect(new Webhook(secret).verify(message.body, headers)).toEqual({ a: 1 });
    expect(new Webhook(old).verify(message.body, headers)).toEqual({ a: 1 });
    expect(() => new Webhook(newWebhookSecret()).verify(message.body, headers)).toThrow();
  });
});

describe("the retry schedule", () => {
  const AWS_SCHEDULE = { firstSeconds: 30, maxSeconds: 14_400, windowSeconds: 93_600 };

  it("backs off exponentially with jitter up to the cap, and stops after the window", () => {
    expect(nextRetryDelay(AWS_SCHEDULE, 1, 0, () => 0.5)).toBe(30);
    expect(nextRetryDelay(AWS_SCHEDULE, 3, 0, () => 0.5)).toBe(120);
    expect(nextRetryDelay(AWS_SCHEDULE, 3, 0, () => 0)).toBe(60);
    expect(nextRetryDelay(AWS_SCHEDULE, 3, 0, () => 0.999)).toBe(180);
    expect(nextRetryDelay(AWS_SCHEDULE, 20, 0, () => 0.5)).toBe(14_400);
    expect(nextRetryDelay(AWS_SCHEDULE, 20, 93_600, () => 0.5)).toBeUndefined();
  });

  it("retries for at least 24 hours on AWS's defaults", () => {
    const span = scheduleSpan(AWS_SCHEDULE);
    expect(span.seconds).toBeGreaterThanOrEqual(24 * 3600);
    expect(span.attempts).toBeGreaterThan(10);
  });
});

describe("deliverMessage", () => {
  const endpoint = {
    id: "wh_1",
    tenant: "acme",
    url: "https://hooks.example.com/x",
    events: ["file.created" as const],
    enabled: true,
    secret: newWebhookSecret(),
    createdAt: "",
    updatedAt: "",
  };
  const message: WebhookMessage = {
    tenant: "acme",
    endpoint: "wh_1",
    event: {
      id: "msg_1",
      type: "file.created",
      timestamp: "t",
      data: { tenant: "acme", key: "k", actor: null },
    },
    attempt: 1,
    firstAt: "2026-12-01T00:00:00.000Z",
  };
  function deps(status: number, now = "2026-12-01T00:00:10.000Z") {
    const sent: Array<{ message: WebhookMessage; delay?: number }> = [];
    const dead: WebhookMessage[] = [];
    const recorded: unknown[] = [];
    return {
      sent,
      dead,
      recorded,
      deps: {
        endpoints: { get: async () => endpoint },
        attempts: { record: async (_: string, attempt: unknown) => void recorded.push(attempt) },
        queue: {
          send: async (messages: readonly WebhookMessage[], delay?: number) =>
            void sent.push(...messages.map((m) => ({ message: m, delay }))),
          deadLetter: async (m: WebhookMessage) => void dead.push(m),
        },
        policy: AWS,
        schedule: { firstSeconds: 30, maxSeconds: 14_400, windowSeconds: 86_400 },
        resolve: async () => ["93.184.216.34"],
        send: async () => ({ ok: status < 300, status, latencyMs: 5 }),
        now: () => new Date(now),
      },
    };
  }

  it("queues a failed delivery again with the next attempt number and a delay", async () => {
    const run = deps(500);
    expect(await deliverMessage(message, run.deps)).toBe("failed");
    expect(run.sent).toEqual([{ message: { ...message, attempt: 2 }, delay: expect.any(Number) }]);
    expect(run.recorded).toEqual([
      expect.objectContaining({ status: "failed", responseCode: 500 }),
    ]);
  });

  it("dead-letters a failure after the window, and records that", async () => {
    const run = deps(500, "2026-12-02T00:00:01.000Z");
    expect(await deliverMessage(message, run.deps)).toBe("dead-lettered");
    expect(run.dead).toEqual([message]);
    expect(run.sent).toEqual([]);
  });

  it("waits again for a retry due beyond the queue's 15-minute delay", async () => {
    const run = deps(200);
    const later = { ...message, notBefore: "2026-12-01T01:00:10.000Z" };
    expect(await deliverMessage(later, run.deps)).toBe("waiting");
    expect(run.sent).toEqual([{ message: later, delay: 900 }]);
  });

  it("does not send to a target that now resolves to a private address", async () => {
    const run = deps(200);
    let sent = false;
    const result = await deliverMessage(message, {
      ...run.deps,
      resolve: async () => ["10.0.0.1"],
      send: async () => {
        sent = true;
        return { ok: true, latencyMs: 0 };
      },
    });
    expect(result).toBe("refused");
    expect(sent).toBe(false);
  });
});

describe("replay requests", () => {
  it("takes a range of at most 31 days, from before to", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    expect(parseReplay('{"from":"2026-11-30T00:00:00Z"}', now)).toEqual({
      from: "2026-11-30T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
    });
    expect(() => parseReplay('{"from":"2026-01-01T00:00:00Z"}', now)).toThrow(/31 days/);
    expect(() => parseReplay('{"from":"2026-12-02T00:00:00Z"}', now)).toThrow(/after/);
    expect(() => parseReplay('{"from":"yesterday"}', now)).toThrow(/ISO 8601/);
  });
});
