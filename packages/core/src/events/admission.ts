import type { Amount, TenantAccounts } from "../accounts";
import type { Verdict } from "../uploads";

/** No usage: what an arrival admits when it is an intent's (reserved beforehand) or refused. */
export const NOTHING: Amount = { bytes: 0, objects: 0 };

/**
 * Quota admission of a verified plain PUT (an intent's room was reserved when it was agreed):
 * the growth it brings — its size and one file, less what the file held when its URL was
 * granted (attested) — is added to the tenant's usage on condition that it fits the quotas
 * (`TenantAccounts.admit`), before the object is applied to the index. Refused, the object is
 * quarantined with the numbers as reason and usage is unchanged. What was admitted is returned:
 * {@link settle} later moves usage only by the difference to the file's real change.
 */
export async function admitArrival(
  accounts: Pick<TenantAccounts, "admit">,
  tenant: string,
  size: number,
  verdict: Verdict,
): Promise<{ verdict: Verdict; admitted: Amount }> {
  const { limits } = verdict;
  if (!verdict.admitted || verdict.intent || !limits) return { verdict, admitted: NOTHING };
  if (limits.maxBytes === null && limits.maxObjects === null) {
    return { verdict, admitted: NOTHING };
  }
  const replaced = verdict.attestation?.replaces ?? NOTHING;
  const amount = { bytes: size - replaced.bytes, objects: 1 - replaced.objects };
  const result = await accounts.admit(tenant, amount, limits);
  if (!result.admitted) {
    return { verdict: { ...verdict, admitted: false, reason: result.reason }, admitted: NOTHING };
  }
  return { verdict, admitted: amount };
}
