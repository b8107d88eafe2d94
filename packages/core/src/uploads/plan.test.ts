import { describe, expect, it } from "vitest";
import { FilegateError } from "../errors";
import { mustBeValidPartSize, planUpload } from "./plan";

const MIB = 2 ** 20;
const SERVER = { thresholdBytes: 100 * MIB, minPartSize: 8 * MIB };

function refusal(run: () => unknown): FilegateError {
  try {
    run();
  } catch (error) {
    if (error instanceof FilegateError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("planUpload with the client's shape", () => {
  it("goes multipart below the threshold when asked, with the part size asked for", () => {
    expect(planUpload(11 * MIB, SERVER)).toEqual({ method: "single" });
    expect(planUpload(11 * MIB, { ...SERVER, multipart: true })).toEqual({
      method: "multipart",
      partSize: 8 * MIB,
      partCount: 2,
    });
    expect(planUpload(11 * MIB, { ...SERVER, partSize: 5 * MIB })).toEqual({
      method: "multipart",
      partSize: 5 * MIB,
      partCount: 3,
    });
    expect(planUpload(0, { ...SERVER, multipart: true })).toMatchObject({ partCount: 1 });
  });

  it("takes one PUT when asked, up to S3's 5 GiB, and never with a part size", () => {
    expect(planUpload(200 * MIB, { ...SERVER, multipart: false })).toEqual({ method: "single" });
    expect(refusal(() => planUpload(6 * 1024 * MIB, { ...SERVER, multipart: false })).code).toBe(
      "bad_request",
    );
    expect(
      refusal(() => planUpload(MIB, { ...SERVER, multipart: false, partSize: 5 * MIB })).message,
    ).toBe("partSize needs a multipart upload");
  });
});

describe("mustBeValidPartSize", () => {
  it("keeps parts within 5 MiB..5 GiB, the tenant's largest file and 10,000 parts", () => {
    expect(() => mustBeValidPartSize(20 * MIB, 5 * MIB)).not.toThrow();
    expect(() => mustBeValidPartSize(20 * MIB, 5 * 1024 * MIB)).not.toThrow();
    expect(refusal(() => mustBeValidPartSize(20 * MIB, 5 * MIB - 1)).details).toEqual({
      requested: 5 * MIB - 1,
      min: 5 * MIB,
      max: 5 * 1024 * MIB,
    });
    expect(refusal(() => mustBeValidPartSize(20 * MIB, 5 * 1024 * MIB + 1)).code).toBe(
      "invalid_part_size",
    );
    const huge = 60_000 * MIB;
    expect(refusal(() => mustBeValidPartSize(huge, 5 * MIB)).details).toMatchObject({
      min: 6 * MIB,
    });
    expect(() => mustBeValidPartSize(huge, 6 * MIB)).not.toThrow();
    expect(refusal(() => mustBeValidPartSize(MIB, 11 * MIB, 10 * MIB)).details).toMatchObject({
      max: 10 * MIB,
    });
    // A tenant whose largest file is under 5 MiB still gets S3's smallest part.
    expect(() => mustBeValidPartSize(MIB, 5 * MIB, MIB)).not.toThrow();
    expect(refusal(() => mustBeValidPartSize(MIB, 5 * MIB + 0.5)).code).toBe("invalid_part_size");
  });
});
