import { createHash } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { ATTESTATION_METADATA, newKeyringEntry, parseKeyring } from "@filegate/core/attest";
import { loadSettings } from "@filegate/core/config";
import { headObjectDescriber } from "@filegate/core/storage";
import { openStore } from "@filegate/core/store";
import { fileStateKey, historyPartitions, tenantUsageKey } from "@filegate/core/table";
import type { FileKey, TenantId } from "@filegate/core/tenancy";
import { UploadVerifier } from "@filegate/core/uploads";
import { type LocalStack, presignerFor } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, send } from "./helpers/attest";
import { listKeys } from "./helpers/http";
import { documentClientFor, s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { run } from "./helpers/stack";

/**
 * Uploads that prove themselves: every presigned write carries a sealed attestation that S3
 * refuses altered or missing, and that arrival verifies without the journal.
 */
let stack: LocalStack;
let api: ReturnType<typeof apiOf>;
let store: ReturnType<typeof openStore>;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "filegate-attest-"));
  stack = await startInProcessStack({ dir, jobIntervalMs: 0 });
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

describe("repair from nothing", () => {
  it("restores a file whose every row is gone, attributed to its uploader, and counts it", async () => {
    await api.setLimits("restored", { maxObjects: 5 });
    const signed = await api.grant("PUT", "restored", "contract.pdf", "alice");
    expect((await send(signed, "signed contract")).status).toBe(200);
    await stack.bridge.idle();
    // A restore to before the upload (or an expired retention): the file's state and its
    // whole history gone, and the tenant's usage from before it.
    const doc = documentClientFor(stack.state);
    const TableName = stack.state.table;
    // The file's item, and its history: the grants' and the events' partitions.
    const partitions = [
      fileStateKey("restored", "contract.pdf").pk,
      ...historyPartitions("restored", "contract.pdf"),
    ];
    const rows = (
      await Promise.all(
        partitions.map((pk) =>
          doc.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: "pk = :pk",
              ExpressionAttributeValues: { ":pk": pk },
            }),
          ),
        ),
      )
    ).flatMap((page) => page.Items ?? []);
    // The state, the grant and the event's record.
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const item of rows) {
      await doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
    }
    await doc.send(new DeleteCommand({ TableName, Key: tenantUsageKey("restored") }));
    expect(await listed("restored")).toEqual([]);

    const result = await run("npm", [
      ...["run", "--silent", "reconcile", "--", "--dir", dir],
      ...["--tenant", "restored", "--grace-seconds", "0"],
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).fixed).toMatchObject({ added: 1, quarantined: 0 });
    expect(await listed("restored")).toEqual(["contract.pdf"]);
    expect((await api.usage("restored")).used).toEqual({ bytes: 15, objects: 1 });
    const history = await api.call(
      "GET",
      "/audit?key=contract.pdf",
      await api.bearer("restored", "auditor"),
    );
    expect(history.body.items).toEqual([
      expect.objectContaining({
        event: "Reconciler:ObjectFound",
        actor: "alice",
        verdict: "admitted",
      }),
    ]);
  });
});

describe("cursors", () => {
  /** The cursor with one character of its middle part changed. */
  const altered = (cursor: string) => {
    const [id, payload = "", mac] = cursor.split(".");
    const flipped = payload.startsWith("A") ? `B${payload.slice(1)}` : `A${payload.slice(1)}`;
    return `${id}.${flipped}.${mac}`;
  };

  it("of listings: any alteration is a 400 invalid_cursor", async () => {
    for (const key of ["a.txt", "b.txt", "c.txt"]) {
      expect((await send(await api.grant("PUT", "pages", key), key)).status).toBe(200);
    }
    await stack.bridge.idle();
    const auth = await api.bearer("pages");
    const first = await api.call("GET", "/files?limit=1", auth);
    expect(first.body.cursor).toEqual(expect.any(String));
    const next = await api.call("GET", `/files?limit=1&cursor=${first.body.cursor}`, auth);
    expect(next.body.items.map((item: { key: string }) => item.key)).toEqual(["b.txt"]);
    const forged = await api.call(
      "GET",
      `/files?limit=1&cursor=${altered(first.body.cursor)}`,
      auth,
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("invalid_cursor");
  });

  it("of the audit trail: any alteration is a 400, and so is a date beyond year 9999", async () => {
    expect((await send(await api.grant("PUT", "trail", "a.txt"), "a")).status).toBe(200);
    await stack.bridge.idle();
    const auth = await api.bearer("trail", "auditor");
    const first = await api.call("GET", "/audit?limit=1", auth);
    expect(first.body.cursor).toEqual(expect.any(String));
    expect((await api.call("GET", `/audit?limit=1&cursor=${first.body.cursor}`, auth)).status).toBe(
      200,
    );
    const forged = await api.call(
      "GET",
      `/audit?limit=1&cursor=${altered(first.body.cursor)}`,
      auth,
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe("invalid_cursor");
    // One made up from scratch: the query's fingerprint is no secret, a position before the
    // query's range is not one of its positions.
    const from = "2026-01-01T00:00:00.000Z";
    const fingerprint = createHash("sha256")
      .update(JSON.stringify(["trail", null, from, "9999-12-31T23:59:59.999Z", null, null]))
      .digest("base64url")
      .slice(0, 22);
    const position = `2020-01-01T00:00:00.000Z#${"a".repeat(28)}`;
    const made = Buffer.from(JSON.stringify({ v: 1, q: fingerprint, a: position }));
    const madeUp = await api.call(
      "GET",
      `/audit?from=${from}&cursor=${made.toString("base64url")}`,
      auth,
    );
    expect(madeUp.status).toBe(400);
    expect(madeUp.body.error.code).toBe("invalid_cursor");
    const beyond = await api.call(
      "GET",
      `/audit?from=${encodeURIComponent("9999-12-31T23:59:59-23:59")}`,
      auth,
    );
    expect(beyond.status).toBe(400);
    expect(beyond.body.error.code).toBe("bad_request");
  });
});
