import { describe, expect, it } from "vitest";
import { newKeyringEntry, parseKeyring } from "../attest";
import type { Principal } from "../auth";
import { createPresigner } from "../storage";
import type { FileKey, TenantId } from "../tenancy";
import { GRANT_METADATA, UploadGrantIssuer } from "./grants";
import type { GrantInput } from "./recorder";
import { timeOfGrantId } from "./records";

const principal: Principal = { tenant: "acme" as TenantId, actor: "alice", scopes: new Set() };
const origin = { requestId: "req-1", sourceIp: "192.0.2.1", userAgent: "curl/8" };
const key = "dir/a b.txt" as FileKey;
const issuedAt = new Date("2026-11-25T12:00:00.000Z");

/**
 * A grant issuer on a real presigner whose clock goes back a second per URL signed: the
 * latest expiry is then not the last URL's.
 */
function issuer(record: (grant: GrantInput) => Promise<void> = async () => {}) {
  let tick = 0;
  const presigner = createPresigner({
    bucket: "files",
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    expiresIn: 300,
    endpoint: "http://127.0.0.1:4569",
    now: () => new Date(issuedAt.getTime() - 1000 * tick++),
  });
  const records: GrantInput[] = [];
  const grants = new UploadGrantIssuer(
    presigner,
    {
      recordGrant: async (grant) => {
        await record(grant);
        records.push(grant);
      },
    },
    parseKeyring(newKeyringEntry("test")),
    () => issuedAt,
  );
  return { grants, records };
}

describe("GrantIssuer", () => {
  it("signs a read of the caller's own object and journals it with the URL's expiry", async () => {
    const { grants, records } = issuer();
    const issued = await grants.issue({ principal, key, action: "read", origin });
    const url = new URL(issued.url);
    expect(issued.method).toBe("GET");
    expect(url.pathname).toBe("/files/tenants/acme/dir/a%20b.txt");
    expect([...url.searchParams.keys()].some((name) => name.startsWith("x-amz-meta-"))).toBe(false);
    expect(timeOfGrantId(issued.grantId)).toBe(issuedAt.toISOString());
    expect(records).toEqual([
      {
        id: issued.grantId,
        tenant: "acme",
        key,
        actor: "alice",
        action: "read",
        ...origin,
        expiresAt: issued.expiresAt,
        conditions: undefined,
      },
    ]);
  });

  it("signs a write's grant id, and the metadata it is given, into the object", async () => {
    const { grants, records } = issuer();
    const issued = await grants.issue({
      principal,
      key,
      action: "write",
      origin,
      id: "g0194b2a1c800123456789abcdef",
      headers: { "Content-Type": "text/plain" },
      metadata: { "filegate-intent": "u0123" },
      conditions: { contentType: "text/plain", createOnly: false },
    });
    const url = new URL(issued.url);
    expect(issued.grantId).toBe("g0194b2a1c800123456789abcdef");
    expect(url.searchParams.get(`x-amz-meta-${GRANT_METADATA}`)).toBe(issued.grantId);
    expect(url.searchParams.get("x-amz-meta-filegate-intent")).toBe("u0123");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(records[0]).toMatchObject({
      id: issued.grantId,
      action: "write",
      conditions: { contentType: "text/plain", createOnly: false },
    });
  });

  it("signs several requests under one grant, journaled once with the latest expiry", async () => {
    const { grants, records } = issuer();
    const { grantId, signed } = await grants.issueEach(
      { principal, key, action: "write", origin, conditions: { createOnly: false, parts: [1, 2] } },
      [1, 2].map((n) => ({ headers: { "Content-Length": "5" }, query: { partNumber: String(n) } })),
    );
    expect(signed.map((request) => new URL(request.url).searchParams.get("partNumber"))).toEqual([
      "1",
      "2",
    ]);
    // Parts carry no metadata: the multipart upload was started with it.
    expect(signed[0]?.url).not.toContain("x-amz-meta-");
    const latest = signed[0]?.expiresAt;
    expect(latest && latest > (signed[1]?.expiresAt ?? "")).toBe(true);
    expect(records).toEqual([expect.objectContaining({ id: grantId, expiresAt: latest })]);
  });

  it("lets no URL out when its audit record cannot be written", async () => {
    const { grants } = issuer(async () => {
      throw new Error("throttled");
    });
    await expect(grants.issue({ principal, key, action: "delete", origin })).rejects.toThrow(
      "throttled",
    );
  });
});
