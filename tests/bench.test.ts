import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createPresigner } from "@filegate/core/storage";
import { ROUTES } from "@filegate/functions/routes";
import { SUBSCRIBER } from "@filegate/functions/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFloorPresigner, rfc3986 } from "../bench/lib/sigv4";
import type { BenchResults } from "../bench/run";
import { ROOT, type RunResult, run } from "./helpers/stack";

// The benchmark's figures are reported, never asserted: these tests check that the harness
// measures what it claims to (a floor that signs the very same URLs, every suite run, every
// ratio written), not how fast anything is.

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const signingDate = new Date("2026-11-25T12:00:00Z");
const region = "eu-west-1";
const bucket = "my-bucket";
const origin = `https://${bucket}.s3.${region}.amazonaws.com`;
const path = (objectKey: string) => `/${objectKey.split("/").map(rfc3986).join("/")}`;

describe("the SigV4 floor of the redirect benchmark", () => {
  const filegate = (sessionToken?: string) =>
    createPresigner({
      bucket,
      region,
      credentials: { ...credentials, ...(sessionToken ? { sessionToken } : {}) },
      expiresIn: 300,
      now: () => signingDate,
    });

  it("signs the URL Filegate's presigner signs, byte for byte", async () => {
    for (const objectKey of ["tenants/acme/a.txt", "tenants/acme/dir/Q4 (final)+ü*'!.pdf"]) {
      const floor = createFloorPresigner({ ...credentials, region, origin });
      for (const method of ["GET", "DELETE", "HEAD"] as const) {
        expect(floor({ method, path: path(objectKey), expiresIn: 300, signingDate })).toBe(
          (await filegate().presign({ method, objectKey })).url,
        );
      }
      const headers = { "Content-Type": "application/pdf", "If-None-Match": "*" };
      expect(
        floor({ method: "PUT", path: path(objectKey), expiresIn: 300, signingDate, headers }),
      ).toBe((await filegate().presign({ method: "PUT", objectKey, headers })).url);
    }
  });

  it("carries a session token as the SDK does", async () => {
    const floor = createFloorPresigner({
      ...credentials,
      sessionToken: "token/+=",
      region,
      origin,
    });
    expect(
      floor({ method: "GET", path: path("tenants/acme/a.txt"), expiresIn: 60, signingDate }),
    ).toBe(
      (
        await filegate("token/+=").presign({
          method: "GET",
          objectKey: "tenants/acme/a.txt",
          expiresIn: 60,
        })
      ).url,
    );
  });

  it("signs what getSignedUrl signs, given the SDK's x-id parameter", async () => {
    const client = new S3Client({
      region,
      credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const floor = createFloorPresigner({ ...credentials, region, origin });
    const objectKey = "tenants/acme/dir/a file.txt";
    const sorted = (url: string) => {
      const [base, query = ""] = url.split("?");
      return `${base}?${query.split("&").sort().join("&")}`;
    };
    const sdkGet = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: objectKey }),
      { expiresIn: 300, signingDate },
    );
    expect(
      sorted(
        floor({
          method: "GET",
          path: path(objectKey),
          expiresIn: 300,
          signingDate,
          query: { "x-id": "GetObject" },
        }),
      ),
    ).toBe(sorted(sdkGet));
    const sdkPut = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: objectKey, ContentType: "text/plain" }),
      { expiresIn: 300, signingDate, signableHeaders: new Set(["content-type"]) },
    );
    expect(
      sorted(
        floor({
          method: "PUT",
          path: path(objectKey),
          expiresIn: 300,
          signingDate,
          headers: { "Content-Type": "text/plain" },
          query: { "x-id": "PutObject" },
        }),
      ),
    ).toBe(sorted(sdkPut));
    client.destroy();
  });
});

describe("npm run bench -- --quick", () => {
  let dir: string;
  let output: RunResult;
  let results: BenchResults;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "filegate-bench-test-"));
    const out = join(dir, "results.json");
    output = await run(process.execPath, [
      "--import",
      "tsx",
      join(ROOT, "bench/run.ts"),
      "--quick",
      "--out",
      out,
    ]);
    results = JSON.parse(await readFile(out, "utf8")) as BenchResults;
  }, 480_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs every suite and every check of the harness passes", () => {
    expect(output.code, output.stderr).toBe(0);
    expect(results.mode).toBe("quick");
    expect(results.failures).toEqual([]);
    expect(results.suites.map((suite) => suite.suite)).toEqual([
      "redirect",
      "listing",
      "ingest-fixed-head",
      "ingest-s3-emulator",
      "ingest-fixed-head-dynamodb-local",
      "cold-start",
      "load",
      "scale",
      "webhooks",
    ]);
    for (const suite of results.suites) {
      expect(Object.keys(suite.checks).length, suite.suite).toBeGreaterThan(0);
      for (const [check, ok] of Object.entries(suite.checks)) expect(ok, check).toBe(true);
    }
  });

  it("writes the scale scenarios beside the results, each with its hottest key and cost", async () => {
    const scale = JSON.parse(await readFile(join(dir, "scale.json"), "utf8")) as Array<
      Record<string, unknown>
    >;
    expect(scale.map((entry) => entry.name)).toHaveLength(3);
    for (const entry of scale) {
      expect(typeof entry.hottestKey).toBe("string");
      expect(entry.hottestKeyWcuPerSecond).toBeGreaterThan(0);
      expect(entry.hottestKeyRcuPerSecond).toBeGreaterThanOrEqual(0);
      expect(entry.usdPerMillionUploads).toBeGreaterThan(0);
    }
  });

  it("writes every ratio, each a positive number with its goal evaluated, and prints it", () => {
    const ratios = new Map(results.suites.flatMap((suite) => suite.ratios).map((r) => [r.id, r]));
    // Every handler module of the route table, and the subscriber.
    const handlers = [...ROUTES.map((route) => route.handler), SUBSCRIBER.handler].map((handler) =>
      handler.replace(/^.*\//, "").replace(/\.[^.]+$/, ""),
    );
    const expected = [
      ...["get", "put"].flatMap((m) =>
        [
          "handler/getSignedUrl",
          "handler/floor",
          "handler/presigner",
          "getSignedUrl/floor",
          "presigner/floor",
        ].map((r) => `redirect.${m}.${r}`),
      ),
      ...["first", "middle"].flatMap((page) => [
        `listing.${page}.handler/query`,
        `listing.${page}.handler/query.cpu`,
      ]),
      ...["fixed-head", "s3-emulator", "fixed-head-dynamodb-local"].flatMap((variant) => [
        `ingest.${variant}.subscriber/raw`,
        `ingest.${variant}.subscriber/raw-transaction`,
        `ingest.${variant}.subscriber/raw.cpu`,
      ]),
      ...handlers.flatMap((name) => [
        `cold.${name}.bytes/floor`,
        `cold.${name}.ms/floor`,
        `cold.${name}.cpu/floor`,
      ]),
      "load.stack/bare.rps",
      "webhooks.ingest.hooked/plain",
    ];
    expect([...ratios.keys()].sort()).toEqual([...expected].sort());
    for (const ratio of ratios.values()) {
      expect(Number.isFinite(ratio.value) && ratio.value > 0, ratio.id).toBe(true);
      if (ratio.goal) expect(typeof ratio.met, ratio.id).toBe("boolean");
      expect(output.stdout).toContain(ratio.label);
    }
    const figures = results.suites.flatMap((suite) => suite.figures);
    for (const figure of figures) {
      expect(figure.samples.length, figure.id).toBeGreaterThan(0);
      expect(figure.value, figure.id).toBeGreaterThanOrEqual(0);
    }
  });

  it("builds the subscriber and its floor with code splitting, counting what a cold start loads", () => {
    const cold = results.suites.find((suite) => suite.suite === "cold-start");
    expect(SUBSCRIBER.bundle.splitting).toBe(true);
    expect(String(cold?.setup.splitting).split(", ").sort()).toEqual([
      "floor-ingest",
      "subscriber",
    ]);
    const bytes = cold?.figures.find((f) => f.id === "cold.subscriber.bytes")?.value ?? 0;
    const note = cold?.notes.find((n) => n.startsWith("queue subscriber: code splitting"));
    const [loaded = 0, all = 0] = [...(note ?? "").matchAll(/(\d+) KB/g)].map((m) => Number(m[1]));
    // The chunks loaded on demand (webhook sending, the SDK's other credential providers) are
    // not counted in the bundle's bytes.
    expect(Math.round(bytes)).toBe(loaded);
    expect(all).toBeGreaterThan(loaded);
  });

  it("counts the DynamoDB calls of an ingested upload on each emulator", () => {
    const calls = results.suites
      .filter((suite) => suite.suite.startsWith("ingest-"))
      .map((suite) => [
        suite.suite,
        suite.figures.find((f) => f.label === "DynamoDB calls per event"),
      ]);
    expect(calls).toHaveLength(3);
    for (const [suite, figure] of calls) {
      // A batch of ten: its read, the limits and its writes, shared by its events.
      expect(figure, String(suite)).toMatchObject({ unit: "calls" });
      const perEvent = (figure as { value: number }).value;
      expect(perEvent, String(suite)).toBeLessThanOrEqual(
        suite === "ingest-fixed-head-dynamodb-local" ? 0.3 : 1.5,
      );
    }
  });
});
