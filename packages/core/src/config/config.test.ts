import { describe, expect, it } from "vitest";
import { loadSettings } from "./index";

describe("loadSettings", () => {
  it("has documented defaults", () => {
    expect(loadSettings({})).toEqual({
      presignExpiresSeconds: 300,
      tenantClaim: "tenant",
      tombstoneTtlSeconds: 30 * 86_400,
      auditRetentionSeconds: 365 * 86_400,
    });
  });
  it("reads overrides", () => {
    const settings = loadSettings({
      FILEGATE_PRESIGN_EXPIRES: "60",
      FILEGATE_TENANT_CLAIM: "custom:org",
      FILEGATE_TOMBSTONE_DAYS: "7",
      FILEGATE_AUDIT_RETENTION_DAYS: "90",
    });
    expect(settings).toEqual({
      presignExpiresSeconds: 60,
      tenantClaim: "custom:org",
      tombstoneTtlSeconds: 7 * 86_400,
      auditRetentionSeconds: 90 * 86_400,
    });
  });
  it("names every bad value in one error", () => {
    expect(() =>
      loadSettings({ FILEGATE_PRESIGN_EXPIRES: "604801", FILEGATE_TENANT_CLAIM: "has space" }),
    ).toThrow(
      /FILEGATE_PRESIGN_EXPIRES must be at most 604800; FILEGATE_TENANT_CLAIM must be a claim name/,
    );
    expect(() => loadSettings({ FILEGATE_PRESIGN_EXPIRES: "1.5" })).toThrow(/whole number/);
    expect(() => loadSettings({ FILEGATE_TOMBSTONE_DAYS: "soon" })).toThrow(
      /FILEGATE_TOMBSTONE_DAYS/,
    );
  });
});
