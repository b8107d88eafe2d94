import type { AuditReader } from "../audit";
import type { StoredEndpoint } from "./endpoint-lookup";
import { eventsOfChange } from "./events";
import { messagesFor, type WebhookQueue } from "./messages";
import { sourceOfRecord } from "./sources";

/** Messages sent per queue call. */
const BATCH = 10;

/**
 * Sends the events of a time range of the tenant's audit journal to one endpoint again, with
 * the `webhook-id` each had the first time. Returns how many were queued.
 */
export async function replayRange(
  endpoint: StoredEndpoint,
  range: { from: string; to: string },
  deps: { reader: Pick<AuditReader, "query">; queue: WebhookQueue; now?: () => Date },
): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const target = [{ ...endpoint, enabled: true }];
  let cursor: string | undefined;
  let queued = 0;
  do {
    const page = await deps.reader.query({
      scope: { tenant: endpoint.tenant },
      from: range.from,
      to: range.to,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const events = page.items.flatMap((record) => {
      const source = sourceOfRecord(record);
      return source ? eventsOfChange(source) : [];
    });
    const messages = messagesFor(endpoint.tenant, events, target, now, true);
    for (let i = 0; i < messages.length; i += BATCH) {
      await deps.queue.send(messages.slice(i, i + BATCH));
    }
    queued += messages.length;
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return queued;
}
