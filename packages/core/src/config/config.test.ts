import { describe, expect, it } from "vitest";
import { MAX_EXPIRES_SECONDS } from "../storage/limits";
import { loadSettings, MAX_PRESIGN_EXPIRES_SECONDS } from "./index";

describe("loadSettings", () => {
  it("has documented defaults", () => {
    expect(loadSettings({})).toEqual({
      presignExpiresSeconds: 300,
      tenantClaim: "tenant",
      tombstoneTtlSeconds: 30 * 86_400,
      auditRetentionSeconds: 365 * 86_400,
      defaultLimits: {
        maxObjectBytes: 5 * 1024 ** 4,
        maxBytes: null,
        maxObjects: null,
        allowedContentTypes: ["*/*"],
      },
      multipartThresholdBytes: 100 * 1024 ** 2,
      partSizeBytes: 8 * 1024 ** 2,
      multipartTtlSeconds: 24 * 3600,
      attestationKeys: "",
    });
  });

  it("reads upload limits", () => {
    const settings = loadSettings({
      FILEGATE_QUOTA_BYTES: "1000",
      FILEGATE_QUOTA_OBJECTS: "10",
      FILEGATE_CONTENT_TYPES: "image/*, Text/Plain",
      FILEGATE_MULTIPART_THRESHOLD: "6291456",
      FILEGATE_PART_SIZE: "5242880",
    });
    expect(settings.defaultLimits).toMatchObject({
      maxBytes: 1000,
      maxObjects: 10,
      allowedContentTypes: ["image/*", "text/plain"],
    });
    expect(settings.multipartThresholdBytes).toBe(6 * 1024 ** 2);
    expect(() => loadSettings({ FILEGATE_PART_SIZE: "1024" })).toThrow(/at least 5242880/);
    expect(() => loadSettings({ FILEGATE_QUOTA_BYTES: "lots" })).toThrow(/FILEGATE_QUOTA_BYTES/);
    expect(() => loadSettings({ FILEGATE_CONTENT_TYPES: "images" })).toThrow(
      /FILEGATE_CONTENT_TYPES/,
    );
  });
  it("reads overrides", () => {
    const settings = loadSettings({
      FILEGATE_PRESIGN_EXPIRES: "60",
      FILEGATE_TENANT_CLAIM: "custom:org",
      FILEGATE_TOMBSTONE_DAYS: "7",
      FILEGATE_AUDIT_RETENTION_DAYS: "90",
    });
    expect(settings).toMatchObject({
      presignExpiresSeconds: 60,
      tenantClaim: "custom:org",
      tombstoneTtlSeconds: 7 * 86_400,
      auditRetentionSeconds: 90 * 86_400,
    });
  });
  it("names every bad value in one error", () => {
    expect(() =>
      loadSettings({ FILEGATE_PRESIGN_EXPIRES: "901", FILEGATE_TENANT_CLAIM: "has space" }),
    ).toThrow(
      /FILEGATE_PRESIGN_EXPIRES must be at most 900; FILEGATE_TENANT_CLAIM must be a claim name/,
    );
    expect(() => loadSettings({ FILEGATE_PRESIGN_EXPIRES: "1.5" })).toThrow(/whole number/);
    expect(() => loadSettings({ FILEGATE_TOMBSTONE_DAYS: "soon" })).toThrow(
      /FILEGATE_TOMBSTONE_DAYS/,
    );
  });

  // A URL signed with the function's temporary credentials dies with them, whatever its
  // X-Amz-Expires: a lifetime the credentials may not honour would make expiresAt a lie.
  it("refuses presigned URLs that outlive what the functions' credentials are counted on", () => {
    expect(MAX_PRESIGN_EXPIRES_SECONDS).toBe(900);
    expect(MAX_PRESIGN_EXPIRES_SECONDS).toBeLessThan(MAX_EXPIRES_SECONDS);
    expect(loadSettings({ FILEGATE_PRESIGN_EXPIRES: "900" }).presignExpiresSeconds).toBe(900);
    for (const value of ["901", "3600", "43200", String(MAX_EXPIRES_SECONDS)]) {
      expect(() => loadSettings({ FILEGATE_PRESIGN_EXPIRES: value })).toThrow(
        /FILEGATE_PRESIGN_EXPIRES must be at most 900/,
      );
    }
  });
});
