import { describe, expect, it } from "vitest";
import {
  loadOperationsSettings,
  loadSettings,
  OPERATIONS_SETTINGS,
  SETTINGS,
  type Settings,
  SettingsSchema,
  secretOf,
} from "./index";

const MIB = 1024 * 1024;

/**
 * Each setting with a value other than its default, what the functions read of it, and a
 * value it refuses. The secret names are part of every deployed stage: renaming a variable
 * renames its secret, and a stage would silently fall back to the default.
 */
const CASES = [
  ["FILEGATE_PRESIGN_EXPIRES", "PresignExpires", "60", { presignExpiresSeconds: 60 }, "soon"],
  ["FILEGATE_TENANT_CLAIM", "TenantClaim", "custom:org", { tenantClaim: "custom:org" }, "a b"],
  ["FILEGATE_TOMBSTONE_DAYS", "TombstoneDays", "7", { tombstoneTtlSeconds: 7 * 86_400 }, "0"],
  [
    "FILEGATE_AUDIT_RETENTION_DAYS",
    "AuditRetentionDays",
    "90",
    { auditRetentionSeconds: 90 * 86_400 },
    "-1",
  ],
  [
    "FILEGATE_MAX_OBJECT_BYTES",
    "MaxObjectBytes",
    "1048576",
    { defaultLimits: expect.objectContaining({ maxObjectBytes: MIB }) },
    "1 MiB",
  ],
  [
    "FILEGATE_QUOTA_BYTES",
    "QuotaBytes",
    "1000",
    { defaultLimits: expect.objectContaining({ maxBytes: 1000 }) },
    "none",
  ],
  [
    "FILEGATE_QUOTA_OBJECTS",
    "QuotaObjects",
    "10",
    { defaultLimits: expect.objectContaining({ maxObjects: 10 }) },
    "-5",
  ],
  [
    "FILEGATE_CONTENT_TYPES",
    "ContentTypes",
    "image/*, Application/PDF",
    {
      defaultLimits: expect.objectContaining({
        allowedContentTypes: ["image/*", "application/pdf"],
      }),
    },
    "pdf",
  ],
  [
    "FILEGATE_MULTIPART_THRESHOLD",
    "MultipartThreshold",
    String(6 * MIB),
    { multipartThresholdBytes: 6 * MIB },
    "6MiB",
  ],
  ["FILEGATE_PART_SIZE", "PartSize", String(16 * MIB), { partSizeBytes: 16 * MIB }, "1024"],
  ["FILEGATE_MULTIPART_HOURS", "MultipartHours", "2", { multipartTtlSeconds: 7200 }, "1.5"],
  [
    "FILEGATE_ATTESTATION_KEYS",
    "AttestationKeys",
    `k2:${"A".repeat(44)},k1:${"B".repeat(44)}`,
    { attestationKeys: `k2:${"A".repeat(44)},k1:${"B".repeat(44)}` },
    "k1:short",
  ],
] as const satisfies readonly (readonly [string, string, string, Partial<Settings>, string])[];

/** The numeric settings' bounds: the least and the greatest value each takes. */
const BOUNDS = [
  ["FILEGATE_PRESIGN_EXPIRES", 1, 900],
  ["FILEGATE_TOMBSTONE_DAYS", 1, 3650],
  ["FILEGATE_AUDIT_RETENTION_DAYS", 1, 36_500],
  ["FILEGATE_MAX_OBJECT_BYTES", 1, 5 * 1024 ** 4],
  ["FILEGATE_MULTIPART_THRESHOLD", 1, 5 * 1024 ** 3],
  ["FILEGATE_PART_SIZE", 5 * MIB, 5 * 1024 ** 3],
  ["FILEGATE_MULTIPART_HOURS", 1, 168],
] as const;

const declared = Object.values(SETTINGS);

describe("the settings' declaration", () => {
  it("declares each setting once, with its variable and the secret a stage sets it with", () => {
    expect(declared.map((setting) => [setting.variable, secretOf(setting.variable)])).toEqual(
      CASES.map(([variable, secret]) => [variable, secret]),
    );
    expect(Object.keys(SettingsSchema.shape)).toEqual(CASES.map(([variable]) => variable));
  });

  it("names a secret after its variable", () => {
    expect(secretOf("FILEGATE_PART_SIZE")).toBe("PartSize");
    expect(secretOf("FILEGATE_AUDIT_RETENTION_DAYS")).toBe("AuditRetentionDays");
  });

  it("has defaults that pass their own checks and are what an empty environment reads", () => {
    for (const setting of declared) {
      expect(setting.check(setting.variable).safeParse(setting.default).success).toBe(true);
    }
    const defaults = Object.fromEntries(declared.map((s) => [s.variable, s.default]));
    expect(loadSettings(defaults)).toEqual(loadSettings({}));
    // An empty variable (a secret set to "") counts as unset.
    const empty = Object.fromEntries(declared.map((s) => [s.variable, ""]));
    expect(loadSettings(empty)).toEqual(loadSettings({}));
  });

  it.each(CASES)("reads %s (secret %s)", (variable, _secret, value, read, bad) => {
    expect(loadSettings({ [variable]: value })).toMatchObject(read);
    expect(() => loadSettings({ [variable]: bad })).toThrow(new RegExp(`${variable} must be`));
    expect(SettingsSchema.shape[variable].safeParse(bad).success).toBe(false);
  });

  it.each(BOUNDS)("bounds %s from %d to %d", (variable, least, greatest) => {
    for (const value of [least, greatest]) {
      expect(() => loadSettings({ [variable]: String(value) })).not.toThrow();
    }
    expect(() => loadSettings({ [variable]: String(least - 1) })).toThrow(
      `${variable} must be at least`,
    );
    expect(() => loadSettings({ [variable]: String(greatest + 1) })).toThrow(
      `${variable} must be at most ${greatest}`,
    );
  });

  it("declares the operations settings the same way, without secrets", () => {
    expect(Object.values(OPERATIONS_SETTINGS).map((setting) => setting.variable)).toEqual([
      "FILEGATE_MAX_RECEIVE_COUNT",
      "FILEGATE_RECONCILE_GRACE_SECONDS",
    ]);
    for (const setting of Object.values(OPERATIONS_SETTINGS)) {
      expect(setting.check(setting.variable).safeParse(setting.default).success).toBe(true);
    }
    expect(loadOperationsSettings({ FILEGATE_RECONCILE_GRACE_SECONDS: "86400" })).toEqual({
      maxReceiveCount: 5,
      reconcileGraceSeconds: 86_400,
    });
    expect(() => loadOperationsSettings({ FILEGATE_RECONCILE_GRACE_SECONDS: "86401" })).toThrow(
      "FILEGATE_RECONCILE_GRACE_SECONDS must be at most 86400",
    );
  });
});
