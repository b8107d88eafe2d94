import { describe, expect, it } from "vitest";
import {
  ATTESTATION_METADATA,
  type Attestation,
  newKeyringEntry,
  openAttestation,
  parseKeyring,
  sealAttestation,
} from ".";

const OBJECT = "tenants/acme/reports/q1.pdf";
const ATTESTED: Attestation = {
  actor: "alice",
  grantId: "g1",
  intentId: "u1",
  size: 42,
  contentType: "application/pdf",
  createOnly: true,
  issuedAt: "2026-12-01T10:00:00.000Z",
  expiresAt: "2026-12-01T10:05:00.000Z",
};

describe("upload attestations", () => {
  const old = newKeyringEntry("k1");
  const keyring = parseKeyring(old);

  it("verify in memory for the very object they were sealed for", () => {
    const sealed = sealAttestation(keyring, OBJECT, ATTESTED);
    expect(openAttestation(keyring, OBJECT, sealed)).toEqual(ATTESTED);
    // Small enough for S3's 2 KB of user metadata, whatever the key's length.
    expect(sealed.length).toBeLessThan(400);
    expect(ATTESTATION_METADATA).toBe("filegate-attestation");
  });

  it("refuse an altered payload, a moved attestation, an unknown key and garbage", () => {
    const sealed = sealAttestation(keyring, OBJECT, ATTESTED);
    const [id, payload, mac] = sealed.split(".") as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), a: "mallory" }),
    ).toString("base64url");
    expect(openAttestation(keyring, OBJECT, `${id}.${forged}.${mac}`)).toBeUndefined();
    expect(openAttestation(keyring, "tenants/evil/reports/q1.pdf", sealed)).toBeUndefined();
    expect(openAttestation(parseKeyring(newKeyringEntry("k1")), OBJECT, sealed)).toBeUndefined();
    expect(openAttestation(keyring, OBJECT, `k9.${payload}.${mac}`)).toBeUndefined();
    expect(openAttestation(keyring, OBJECT, "not-an-attestation")).toBeUndefined();
    expect(openAttestation(keyring, OBJECT, undefined)).toBeUndefined();
  });

  it("keep verifying under a rotated keyring: the new key signs, the old one still verifies", () => {
    const before = sealAttestation(keyring, OBJECT, ATTESTED);
    const rotated = parseKeyring(`${newKeyringEntry("k2")},${old}`);
    expect(rotated.signing?.id).toBe("k2");
    expect(openAttestation(rotated, OBJECT, before)).toEqual(ATTESTED);
    const after = sealAttestation(rotated, OBJECT, ATTESTED);
    expect(after.startsWith("k2.")).toBe(true);
    // Once the old key is dropped, what it sealed no longer verifies.
    expect(openAttestation(parseKeyring(newKeyringEntry("k2")), OBJECT, before)).toBeUndefined();
  });

  it("refuse to seal without a key (503 attestation_unconfigured) and reject bad keyrings", () => {
    expect(() => sealAttestation(parseKeyring(""), OBJECT, ATTESTED)).toThrow(
      expect.objectContaining({ code: "attestation_unconfigured", status: 503 }),
    );
    expect(() => parseKeyring("k1:c2hvcnQ=")).toThrow(/at least 32 bytes/);
    expect(() => parseKeyring("nocolon")).toThrow(/id:base64/);
    expect(() => parseKeyring(`${old},${old}`)).toThrow(/twice/);
  });
});
