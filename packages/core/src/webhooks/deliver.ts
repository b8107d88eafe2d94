import type { DeliveryAttempt, DeliveryAttempts } from "./attempts";
import type { StoredEndpoint } from "./endpoint-lookup";
import { signingSecrets, type WebhookEndpoints } from "./endpoints";
import { payloadOf } from "./events";
import type { WebhookMessage, WebhookQueue } from "./messages";
import { MAX_QUEUE_DELAY_SECONDS, nextRetryDelay, type RetrySchedule } from "./schedule";
import { signedHeaders } from "./secrets";
import { DELIVERY_TIMEOUT_MS, MAX_RESPONSE_BYTES, type SendResult, sendWebhook } from "./send";
import {
  mustBeValidTargetUrl,
  type Resolve,
  resolveHost,
  resolveTarget,
  type TargetPolicy,
} from "./targets";

export interface DeliveryDeps {
  endpoints: Pick<WebhookEndpoints, "get">;
  attempts: Pick<DeliveryAttempts, "record">;
  queue: WebhookQueue;
  policy: TargetPolicy;
  schedule: RetrySchedule;
  resolve?: Resolve;
  send?: typeof sendWebhook;
  timeoutMs?: number;
  now?: () => Date;
}

/** What became of one queued message. */
export type DeliveryOutcome = DeliveryAttempt["status"] | "waiting";

/**
 * Delivers one queued message: the endpoint read afresh (disabled or deleted: skipped), its
 * target resolved and checked again, the POST signed and sent. A failure is queued again
 * after the schedule's delay, or dead-lettered once the window is over; every attempt is
 * recorded. Throws only when it could not queue or record (then the queue retries it).
 */
export async function deliverMessage(
  message: WebhookMessage,
  deps: DeliveryDeps,
): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  if (message.notBefore && Date.parse(message.notBefore) > now.getTime()) {
    const wait = Math.ceil((Date.parse(message.notBefore) - now.getTime()) / 1000);
    await deps.queue.send([message], Math.min(wait, MAX_QUEUE_DELAY_SECONDS));
    return "waiting";
  }
  const endpoint = await deps.endpoints.get(message.tenant, message.endpoint);
  if (!endpoint?.enabled) {
    if (endpoint)
      await record(deps, message, now, { status: "skipped", latencyMs: 0, error: "disabled" });
    return "skipped";
  }
  const sent = await attempt(endpoint, message, now, deps);
  if (sent.ok) {
    await record(deps, message, now, { status: "delivered", ...result(sent) });
    return "delivered";
  }
  const failed = sent.refused ? "refused" : "failed";
  const elapsed = (now.getTime() - Date.parse(message.firstAt)) / 1000;
  const delay = nextRetryDelay(deps.schedule, message.attempt, elapsed);
  if (delay === undefined) {
    await deps.queue.deadLetter(message);
    await record(deps, message, now, { status: "dead-lettered", ...result(sent) });
    return "dead-lettered";
  }
  const due = new Date(now.getTime() + delay * 1000);
  const next: WebhookMessage = { ...message, attempt: message.attempt + 1 };
  if (delay > MAX_QUEUE_DELAY_SECONDS) next.notBefore = due.toISOString();
  else delete next.notBefore;
  await deps.queue.send([next], Math.min(delay, MAX_QUEUE_DELAY_SECONDS));
  await record(deps, message, now, {
    status: failed,
    ...result(sent),
    nextAttemptAt: due.toISOString(),
  });
  return failed;
}

/** Resolves, checks and sends; a target that now resolves to a refused address is not sent to. */
async function attempt(
  endpoint: StoredEndpoint,
  message: WebhookMessage,
  now: Date,
  deps: DeliveryDeps,
): Promise<SendResult & { refused?: boolean }> {
  let target: { address: string; family: 4 | 6 };
  let url: URL;
  try {
    url = mustBeValidTargetUrl(endpoint.url, deps.policy);
    target = await resolveTarget(url, deps.policy, deps.resolve ?? resolveHost);
  } catch (error) {
    return { ok: false, refused: true, latencyMs: 0, error: (error as Error).message };
  }
  const body = payloadOf(message.event);
  const headers = signedHeaders(signingSecrets(endpoint, now), {
    id: message.event.id,
    body,
    at: now,
  });
  return (deps.send ?? sendWebhook)({
    url,
    ...target,
    headers,
    body,
    timeoutMs: deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
}

function result(sent: SendResult) {
  return {
    latencyMs: sent.latencyMs,
    ...(sent.status ? { responseCode: sent.status } : {}),
    ...(sent.error ? { error: sent.error } : {}),
  };
}

async function record(
  deps: DeliveryDeps,
  message: WebhookMessage,
  now: Date,
  outcome: Pick<
    DeliveryAttempt,
    "status" | "latencyMs" | "responseCode" | "error" | "nextAttemptAt"
  >,
): Promise<void> {
  await deps.attempts.record(message.endpoint, {
    messageId: message.event.id,
    eventType: message.event.type,
    attempt: message.attempt,
    time: now.toISOString(),
    ...outcome,
  });
}
