import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ATTESTATION_METADATA, newKeyringEntry, parseKeyring } from "@filegate/core/attest";
import { loadSettings } from "@filegate/core/config";
import { headObjectDescriber } from "@filegate/core/storage";
import { openStore } from "@filegate/core/store";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { UploadVerifier } from "@filegate/core/uploads";
import { type LocalStack, presignerFor } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, send } from "./helpers/attest";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";

/**
 * Uploads that prove themselves: every presigned write carries a sealed attestation that S3
 * refuses altered or missing, and that arrival verifies without the journal.
 */
let stack: LocalStack;
let api: ReturnType<typeof apiOf>;
let store: ReturnType<typeof openStore>;

beforeAll(async () => {
  stack = await startInProcessStack({ jobIntervalMs: 0 });
  api = apiOf(stack);
  store = openStore({
    client: documentClientFor(stack.state),
    tableName: stack.state.table,
    settings: loadSettings(process.env),
  });
});
afterAll(async () => {
  await stack?.stop();
});

const fileState = (tenant: string, key: string) =>
  store.files.get(tenant as TenantId, key as FileKey);

async function listed(tenant: string) {
  return listKeys(stack.state.apiUrl, await api.bearer(tenant));
}

describe("upload attestations", () => {
  it("are signed into the URL: S3 refuses an upload whose attestation is altered or left out", async () => {
    const signed = await api.grant("PUT", "sealed", "a.txt");
    const url = new URL(signed.url);
    const name = `x-amz-meta-${ATTESTATION_METADATA}`;
    const attestation = url.searchParams.get(name);
    expect(attestation).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const altered = new URL(url);
    altered.searchParams.set(name, `${attestation}x`);
    expect((await send(signed, "forged", altered.toString())).status).toBe(403);
    const missing = new URL(url);
    missing.searchParams.delete(name);
    expect((await send(signed, "forged", missing.toString())).status).toBe(403);
    expect((await send(signed, "genuine")).status).toBe(200);
    await stack.bridge.idle();
    expect(await fileState("sealed", "a.txt")).toMatchObject({ state: "present", size: 7 });
  });

  it("quarantines an object whose attestation was tampered with behind the service's back", async () => {
    expect((await send(await api.grant("PUT", "tamper", "real.txt"), "real")).status).toBe(200);
    await stack.bridge.idle();
    const s3 = s3ClientFor(stack.state);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: stack.state.bucket, Key: "tenants/tamper/real.txt" }),
    );
    const genuine = head.Metadata?.[ATTESTATION_METADATA] ?? "";
    const [id, payload, mac] = genuine.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = Buffer.from(JSON.stringify({ ...claims, a: "mallory" })).toString("base64url");
    for (const [key, value] of [
      ["forged.txt", `${id}.${forged}.${mac}`],
      // A genuine attestation of another object does not verify for this one.
      ["copied.txt", genuine],
    ] as const) {
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.state.bucket,
          Key: `tenants/tamper/${key}`,
          Body: "smuggled",
          Metadata: { [ATTESTATION_METADATA]: value },
        }),
      );
    }
    await stack.bridge.idle();
    for (const key of ["forged.txt", "copied.txt"]) {
      expect(await fileState("tamper", key)).toMatchObject({
        state: "quarantined",
        reason: expect.stringMatching(/attestation does not verify/),
      });
    }
    expect(await listed("tamper")).toEqual(["real.txt"]);
    expect((await api.usage("tamper")).used).toEqual({ bytes: 4, objects: 1 });
  });

  it("keep verifying under a rotated keyring, and stop once the old key is dropped", async () => {
    expect((await send(await api.grant("PUT", "rotate", "old.txt"), "old")).status).toBe(200);
    await stack.bridge.idle();
    const current = process.env.FILEGATE_ATTESTATION_KEYS ?? "";
    const accounts = store.accounts;
    const describe = headObjectDescriber(presignerFor(stack.state));
    const head = await describe("tenants/rotate/old.txt");
    const arrival = {
      tenant: "rotate",
      key: "old.txt",
      size: 3,
      contentType: head?.contentType ?? "",
      metadata: head?.metadata ?? {},
    };
    const rotated = new UploadVerifier({
      keyring: parseKeyring(`${newKeyringEntry("next")},${current}`),
      accounts,
    });
    expect(await rotated.verify(arrival)).toMatchObject({
      admitted: true,
      grant: { actor: "uploader" },
    });
    const dropped = new UploadVerifier({
      keyring: parseKeyring(newKeyringEntry("next")),
      accounts,
    });
    expect(await dropped.verify(arrival)).toMatchObject({ admitted: false });
  });
});

describe("quotas on plain PUTs", () => {
  it("does not admit a 5 MB upload against a quota of 1000 bytes", async () => {
    await api.setLimits("small", { maxBytes: 1000 });
    const signed = await api.grant("PUT", "small", "big.bin");
    expect((await send(signed, new Uint8Array(5_000_000))).status).toBe(200);
    await stack.bridge.idle();
    expect(await fileState("small", "big.bin")).toMatchObject({
      state: "quarantined",
      reason:
        "it would pass the tenant's quota of 1000 bytes: 0 used + 0 reserved + 5000000 arriving",
    });
    expect(await listed("small")).toEqual([]);
    expect((await api.usage("small")).used).toEqual({ bytes: 0, objects: 0 });
    // One that fits is admitted.
    expect((await send(await api.grant("PUT", "small", "fits.txt"), "x".repeat(900))).status).toBe(
      200,
    );
    await stack.bridge.idle();
    expect(await listed("small")).toEqual(["fits.txt"]);
    expect((await api.usage("small")).used).toEqual({ bytes: 900, objects: 1 });
  });

  it("admits at most 3 of 20 concurrent uploads against a quota of 3 files", async () => {
    await api.setLimits("crowd", { maxObjects: 3 });
    // Every URL is granted while the tenant is empty: the quota is only checked on arrival.
    const signed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api.grant("PUT", "crowd", `f${i}.txt`)),
    );
    const sent = await Promise.all(signed.map((request, i) => send(request, `file ${i}`)));
    expect(sent.every((response) => response.status === 200)).toBe(true);
    await stack.bridge.idle();
    const admitted = await listed("crowd");
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    expect(admitted.length).toBeLessThanOrEqual(3);
    expect((await api.usage("crowd")).used.objects).toBe(admitted.length);
  });

  it("admits an overwrite at the file quota: the URL attests the file it replaces", async () => {
    await api.setLimits("full", { maxObjects: 1 });
    expect((await send(await api.grant("PUT", "full", "one.txt"), "v1")).status).toBe(200);
    await stack.bridge.idle();
    expect((await send(await api.grant("PUT", "full", "one.txt"), "version 2")).status).toBe(200);
    await stack.bridge.idle();
    expect(await fileState("full", "one.txt")).toMatchObject({ state: "present", size: 9 });
    expect((await api.usage("full")).used).toEqual({ bytes: 9, objects: 1 });
  });
});
