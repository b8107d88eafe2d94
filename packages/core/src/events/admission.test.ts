import { describe, expect, it } from "vitest";
import type { Amount, TenantLimits } from "../accounts";
import type { Verdict } from "../uploads";
import { admissionOf, admitBatch } from "./admission";
import type { PreparedEvent } from "./plan";

const limits: TenantLimits = {
  maxObjectBytes: 1_000,
  maxBytes: 100,
  maxObjects: null,
  allowedContentTypes: ["*/*"],
};

/** Usage kept as `TenantAccounts.admit` keeps it: added only when it stays within the quota. */
function quotaOf(maxBytes: number, failFor?: string) {
  const used = new Map<string, number>();
  const calls: Array<[string, Amount]> = [];
  return {
    calls,
    used,
    async admit(tenant: string, amount: Amount) {
      calls.push([tenant, amount]);
      if (tenant === failFor) throw new Error("the table is unreachable");
      const now = used.get(tenant) ?? 0;
      if (now + amount.bytes > maxBytes) return { admitted: false as const, reason: "over" };
      used.set(tenant, now + amount.bytes);
      return { admitted: true as const };
    },
  };
}

function arrival(tenant: string, at: number, size: number): PreparedEvent {
  const verdict: Verdict = { admitted: true, limits } as Verdict;
  return {
    at,
    tenant,
    size,
    verdict,
    admission: admissionOf(size, verdict),
    record: { verdict: "admitted" },
  } as unknown as PreparedEvent;
}

describe("admitBatch", () => {
  it("admits a tenant's arrivals in one update when they fit together", async () => {
    const accounts = quotaOf(100);
    const events = [arrival("a", 0, 10), arrival("b", 1, 5), arrival("a", 2, 20)];
    expect((await admitBatch(events, accounts)).size).toBe(0);
    expect(accounts.calls).toEqual([
      ["a", { bytes: 30, objects: 2 }],
      ["b", { bytes: 5, objects: 1 }],
    ]);
    expect(events.map((event) => event.admitted?.bytes)).toEqual([10, 5, 20]);
  });

  it("admits one by one in batch order when they do not, and quarantines the rest", async () => {
    const accounts = quotaOf(100);
    const events = [arrival("a", 0, 60), arrival("a", 1, 50), arrival("a", 2, 40)];
    expect((await admitBatch(events, accounts)).size).toBe(0);
    expect(accounts.calls.map(([, amount]) => amount.bytes)).toEqual([150, 60, 50, 40]);
    expect(accounts.used.get("a")).toBe(100);
    expect(events.map((event) => event.admitted?.bytes)).toEqual([60, undefined, 40]);
    expect(events[1]?.verdict).toMatchObject({ admitted: false, reason: "over" });
    expect(events[1]?.record).toMatchObject({ verdict: "quarantined", reason: "over" });
  });

  it("gives the events of a tenant whose admission failed their error, and no others", async () => {
    const accounts = quotaOf(100, "a");
    const events = [arrival("a", 0, 10), arrival("b", 1, 5), arrival("a", 2, 20)];
    const failed = await admitBatch(events, accounts);
    expect([...failed.keys()].map((event) => event.at)).toEqual([0, 2]);
    expect(events[1]?.admitted).toEqual({ bytes: 5, objects: 1 });
  });

  it("leaves alone arrivals without quotas, and intents' (reserved when agreed)", async () => {
    const open = { ...limits, maxBytes: null };
    expect(admissionOf(10, { admitted: true, limits: open } as Verdict)).toBeUndefined();
    const intent = { admitted: true, limits, intent: { id: "i" } } as unknown as Verdict;
    expect(admissionOf(10, intent)).toBeUndefined();
    const accounts = quotaOf(100);
    expect((await admitBatch([{ at: 0, tenant: "a" } as PreparedEvent], accounts)).size).toBe(0);
    expect(accounts.calls).toHaveLength(0);
  });
});
