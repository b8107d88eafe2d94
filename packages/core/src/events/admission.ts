import type { Amount, TenantUsage } from "../accounts";
import type { Verdict } from "../uploads";
import type { Admission, PreparedEvent } from "./plan";

/** No usage: what an arrival admits when it is an intent's (reserved beforehand) or refused. */
export const NOTHING: Amount = { bytes: 0, objects: 0 };

/**
 * Whether a verified arrival needs quota admission, and for how much: a plain PUT (an
 * intent's room was reserved when it was agreed) of a tenant with a quota, for the growth it
 * brings — its size and one file, less what the file held when its URL was granted (attested).
 */
export function admissionOf(size: number, verdict: Verdict): Admission | undefined {
  const { limits } = verdict;
  if (!verdict.admitted || verdict.intent || !limits) return undefined;
  if (limits.maxBytes === null && limits.maxObjects === null) return undefined;
  const replaced = verdict.attestation?.replaces ?? NOTHING;
  return { amount: { bytes: size - replaced.bytes, objects: 1 - replaced.objects }, limits };
}

/**
 * Quota admission of a batch's verified plain PUTs, before they are applied to the index:
 * their growth is added to each tenant's usage on condition that it fits the quotas
 * (`TenantUsage.admit`), in one conditional update per tenant when the whole batch fits,
 * else one per arrival in batch order, so that as many fit as would one by one. A refused
 * arrival is quarantined with the numbers as reason and moves no usage. Each admitted event
 * keeps what was added (`admitted`): committing it later moves usage only by the difference
 * to the file's real change.
 */
export async function admitBatch(
  events: PreparedEvent[],
  accounts: Pick<TenantUsage, "admit">,
): Promise<Map<PreparedEvent, unknown>> {
  const failed = new Map<PreparedEvent, unknown>();
  const byTenant = new Map<string, PreparedEvent[]>();
  for (const event of events) {
    if (!event.admission) continue;
    byTenant.set(event.tenant, [...(byTenant.get(event.tenant) ?? []), event]);
  }
  await Promise.all(
    [...byTenant].map((entry) =>
      admitTenant(...entry, accounts).catch((error: unknown) => {
        for (const event of entry[1]) if (!event.admitted) failed.set(event, error);
      }),
    ),
  );
  return failed;
}

async function admitTenant(
  tenant: string,
  arrivals: PreparedEvent[],
  accounts: Pick<TenantUsage, "admit">,
): Promise<void> {
  const first = arrivals[0]?.admission as Admission;
  if (arrivals.length > 1) {
    const sum = { bytes: 0, objects: 0 };
    for (const { admission } of arrivals) {
      sum.bytes += admission?.amount.bytes ?? 0;
      sum.objects += admission?.amount.objects ?? 0;
    }
    if ((await accounts.admit(tenant, sum, first.limits)).admitted) {
      for (const event of arrivals) event.admitted = event.admission?.amount;
      return;
    }
  }
  for (const event of arrivals) {
    const { amount, limits } = event.admission as Admission;
    const result = await accounts.admit(tenant, amount, limits);
    if (result.admitted) event.admitted = amount;
    else refuse(event, result.reason);
  }
}

/** Quarantines an arrival its tenant's quotas refused (an upload already superseded keeps its reason). */
function refuse(event: PreparedEvent, reason: string): void {
  const verdict = event.verdict as Verdict;
  const why = verdict.superseded ? (verdict.reason ?? reason) : reason;
  event.verdict = { ...verdict, admitted: false, reason: why };
  event.reason = why;
  event.record = { ...event.record, verdict: "quarantined", reason: why };
}
