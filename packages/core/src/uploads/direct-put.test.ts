import { describe, expect, it } from "vitest";
import type { Standing, TenantLimits } from "../accounts";
import { newKeyringEntry, parseKeyring } from "../attest";
import { type GrantInput, GrantIssuer } from "../audit";
import type { Principal } from "../auth";
import { FilegateError } from "../errors";
import type { FileView } from "../files";
import { createPresigner } from "../storage";
import type { FileKey, TenantId } from "../tenancy";
import { type DirectPutRequest, directPutTerms, grantDirectPut } from "./direct-put";

const principal: Principal = { tenant: "acme" as TenantId, actor: "alice", scopes: new Set() };
const origin = { requestId: "req-1", sourceIp: "192.0.2.1", userAgent: "curl/8" };
const key = "report.txt" as FileKey;
const UNLIMITED: TenantLimits = {
  maxObjectBytes: 1e12,
  maxBytes: null,
  maxObjects: null,
  allowedContentTypes: ["*/*"],
};
const FILE: FileView = {
  key,
  size: 10,
  etag: "abc",
  contentType: "text/plain",
  lastModified: "2026-11-25T12:00:00.000Z",
};

/**
 * The rules against an index holding `present` keys and a tenant standing as given, with a
 * real grant issuer (and presigner) whose audit records are kept in memory.
 */
function setup(options: { present?: string[]; standing?: Partial<Standing>; keys?: string } = {}) {
  const reads: string[] = [];
  const records: GrantInput[] = [];
  const standing: Standing = {
    used: { bytes: 0, objects: 0 },
    reserved: { bytes: 0, objects: 0 },
    limits: UNLIMITED,
    ...options.standing,
  };
  const presigner = createPresigner({
    bucket: "files",
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    expiresIn: 300,
    endpoint: "http://127.0.0.1:4569",
  });
  const deps = {
    files: {
      getPresent: async (_tenant: TenantId, file: FileKey) => {
        reads.push(`file ${file}`);
        return options.present?.includes(file) ? FILE : undefined;
      },
    },
    accounts: {
      standing: async () => {
        reads.push("standing");
        return standing;
      },
    },
    grants: new GrantIssuer(
      presigner,
      { recordGrant: async (grant) => void records.push(grant) },
      parseKeyring(options.keys ?? newKeyringEntry("test")),
    ),
  };
  const put = (headers: Partial<DirectPutRequest> = {}) =>
    grantDirectPut(deps, { principal, key, origin, ...headers });
  return { put, reads, records };
}

/** The error a refused PUT throws, as `status code`. */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FilegateError)) throw new Error(`expected a refusal, got ${error}`);
  return `${error.status} ${error.code}`;
}

function signedHeaders(url: string): string | null {
  return new URL(url).searchParams.get("X-Amz-SignedHeaders");
}

describe("directPutTerms", () => {
  it("signs in nothing for a bare PUT", () => {
    expect(directPutTerms({})).toEqual({ headers: {}, contentType: undefined, createOnly: false });
  });

  it("refuses If-Match", () => {
    expect(() => directPutTerms({ ifMatch: '"abc"' })).toThrow("If-Match is not supported");
  });

  it("accepts only * for If-None-Match", () => {
    for (const value of ['"abc"', 'W/"abc"', '*, "abc"', ""]) {
      expect(() => directPutTerms({ ifNoneMatch: value }), value).toThrow(
        "Only If-None-Match: * (create only) is supported",
      );
    }
    expect(directPutTerms({ ifNoneMatch: " * " })).toMatchObject({
      headers: { "If-None-Match": "*" },
      createOnly: true,
    });
  });

  it("refuses a Content-Type that is not a media type", () => {
    for (const value of ["text", "text/", "a b/c", "x".repeat(300)]) {
      expect(() => directPutTerms({ contentType: value }), value).toThrow(
        "Content-Type must be a media type",
      );
    }
  });
});

describe("grantDirectPut", () => {
  it("signs a plain PUT of the tenant's object, journaled as a write grant", async () => {
    const { put, records } = setup();
    const issued = await put();
    expect(issued.method).toBe("PUT");
    expect(new URL(issued.url).pathname).toBe("/files/tenants/acme/report.txt");
    expect(signedHeaders(issued.url)).toBe("host");
    expect(records).toEqual([
      expect.objectContaining({
        id: issued.grantId,
        action: "write",
        actor: "alice",
        conditions: { createOnly: false },
      }),
    ]);
  });

  it("refuses If-Match, and a bad If-None-Match, before reading anything", async () => {
    const { put, reads, records } = setup();
    expect(await refusal(put({ ifMatch: "*" }))).toBe("400 bad_request");
    expect(await refusal(put({ ifNoneMatch: '"abc"' }))).toBe("400 bad_request");
    expect(reads).toEqual([]);
    expect(records).toEqual([]);
  });

  it("signs in a Content-Type the tenant allows, and refuses one it does not (415)", async () => {
    const { put, records } = setup({
      standing: { limits: { ...UNLIMITED, allowedContentTypes: ["image/*"] } },
    });
    const issued = await put({ contentType: "image/png" });
    expect(issued.headers).toEqual({ "Content-Type": "image/png" });
    expect(signedHeaders(issued.url)).toBe("content-type;host");
    expect(records[0]?.conditions).toEqual({ contentType: "image/png", createOnly: false });

    expect(await refusal(put({ contentType: "text/plain" }))).toBe("415 unsupported_media_type");
    expect(await refusal(put({ contentType: "text" }))).toBe("400 bad_request");
    expect(records).toHaveLength(1);
  });

  it("create-only: refused (412) when the index holds the file, else If-None-Match signed in", async () => {
    const { put, records } = setup({ present: ["taken.txt"] });
    const taken = put({ key: "taken.txt" as FileKey, ifNoneMatch: "*" });
    expect(await refusal(taken)).toBe("412 precondition_failed");

    const issued = await put({ ifNoneMatch: "*", contentType: "text/plain" });
    expect(issued.headers).toEqual({ "Content-Type": "text/plain", "If-None-Match": "*" });
    expect(signedHeaders(issued.url)).toBe("content-type;host;if-none-match");
    expect(records).toEqual([
      expect.objectContaining({ conditions: { contentType: "text/plain", createOnly: true } }),
    ]);
  });

  it("refuses any upload once the tenant is at its storage quota (413 quota_exceeded)", async () => {
    const { put, records } = setup({
      present: [key],
      standing: {
        used: { bytes: 60, objects: 1 },
        reserved: { bytes: 40, objects: 1 },
        limits: { ...UNLIMITED, maxBytes: 100 },
      },
    });
    expect(await refusal(put())).toBe("413 quota_exceeded");
    expect(records).toEqual([]);
  });

  it("at the file quota refuses a new file but lets one be overwritten", async () => {
    const { put, reads } = setup({
      present: [key],
      standing: { used: { bytes: 0, objects: 2 }, limits: { ...UNLIMITED, maxObjects: 2 } },
    });
    await expect(put()).resolves.toMatchObject({ method: "PUT" });
    expect(await refusal(put({ key: "new.txt" as FileKey }))).toBe("413 quota_exceeded");
    expect(await refusal(put({ ifNoneMatch: "*", key: "new.txt" as FileKey }))).toBe(
      "413 quota_exceeded",
    );
    expect(reads).toEqual([
      "standing",
      `file ${key}`,
      "standing",
      "file new.txt",
      "file new.txt",
      "standing",
    ]);
  });

  it("reads the index only when it matters: create-only or under a file quota", async () => {
    const { put, reads } = setup({ present: [key] });
    await put();
    expect(reads).toEqual(["standing"]);
  });

  it("refuses to sign an upload nobody could verify: 503 without attestation keys", async () => {
    const { put, records } = setup({ keys: "" });
    expect(await refusal(put())).toBe("503 attestation_unconfigured");
    expect(records).toEqual([]);
  });
});
