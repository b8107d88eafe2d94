import { describe, expect, it } from "vitest";
import type { TenantLimits } from "./limits";
import { limitsOncePerTenant } from "./standing";

const LIMITS: TenantLimits = {
  maxObjectBytes: 100,
  maxBytes: null,
  maxObjects: null,
  allowedContentTypes: ["*/*"],
};

describe("limitsOncePerTenant", () => {
  it("reads each tenant's limits once, however many records ask at once", async () => {
    const reads: string[] = [];
    const once = limitsOncePerTenant({
      limits: async (tenant) => {
        reads.push(tenant);
        return LIMITS;
      },
    });
    const answers = await Promise.all(
      ["acme", "acme", "globex", "acme", "globex"].map((tenant) => once.limits(tenant)),
    );
    expect(answers).toEqual(Array(5).fill(LIMITS));
    expect(reads).toEqual(["acme", "globex"]);
  });

  it("does not keep a failed read: the next record reads again", async () => {
    let calls = 0;
    const once = limitsOncePerTenant({
      limits: async () => {
        calls++;
        if (calls === 1) throw new Error("throttled");
        return LIMITS;
      },
    });
    await expect(once.limits("acme")).rejects.toThrow("throttled");
    await expect(once.limits("acme")).resolves.toEqual(LIMITS);
    expect(calls).toBe(2);
  });
});

describe("limitsOncePerTenant, seeded", () => {
  it("answers from a read made with other items, and reads nothing itself", async () => {
    const reads: string[] = [];
    const once = limitsOncePerTenant({
      limits: async (tenant) => {
        reads.push(tenant);
        return LIMITS;
      },
    });
    const own = { ...LIMITS, maxBytes: 5 };
    once.seed("acme", Promise.resolve(own));
    await expect(once.limits("acme")).resolves.toEqual(own);
    await expect(once.limits("globex")).resolves.toEqual(LIMITS);
    expect(reads).toEqual(["globex"]);
  });

  it("reads the tenant's limits on their own when the seeded read fails", async () => {
    const reads: string[] = [];
    const once = limitsOncePerTenant({
      limits: async (tenant) => {
        reads.push(tenant);
        return LIMITS;
      },
    });
    once.seed("acme", Promise.reject(new Error("throttled")));
    await expect(once.limits("acme")).resolves.toEqual(LIMITS);
    expect(reads).toEqual(["acme"]);
  });

  it("keeps a read already made over a later seed", async () => {
    const once = limitsOncePerTenant({ limits: async () => LIMITS });
    const first = once.limits("acme");
    once.seed("acme", Promise.resolve({ ...LIMITS, maxObjects: 1 }));
    await expect(first).resolves.toEqual(LIMITS);
    await expect(once.limits("acme")).resolves.toEqual(LIMITS);
  });
});
