import { createHash, randomBytes } from "node:crypto";
import { Filegate, type TransferProgress } from "@filegate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, startStack } from "./helpers/stack";

/**
 * The client's multipart path end to end: the local stack's upload intents (with a small
 * multipart threshold), part URLs that sign Content-Length, the S3 emulator that verifies
 * them, and S3's completion event that brings the file into the index.
 */
let stack: RunningStack;
const MIB = 1024 * 1024;
const PART_SIZE = 5 * MIB; // S3's smallest part (but the last)

beforeAll(async () => {
  stack = await startStack({
    env: { FILEGATE_MULTIPART_THRESHOLD: String(6 * MIB), FILEGATE_PART_SIZE: String(PART_SIZE) },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe("multipart uploads through the API", () => {
  it("streams signed-length parts, completes, and the object reaches the index intact", async () => {
    const data = randomBytes(3 * PART_SIZE + 12345);
    const calls: string[] = [];
    const client = new Filegate({
      baseUrl: stack.state.apiUrl,
      token: await stack.token("acme", "alice"),
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        calls.push(
          `${init?.method ?? "GET"} ${url.origin === stack.state.apiUrl ? "api" : "s3"} ${url.pathname}`,
        );
        return fetch(input, init);
      },
    });
    const events: TransferProgress[] = [];
    const result = await client.upload("parts/big.bin", data, {
      contentType: "application/x-test",
      partConcurrency: 2,
      wait: true,
      onProgress: (progress) => events.push(progress),
    });

    expect(result).toMatchObject({ method: "multipart", size: data.length });
    const s3Puts = calls.filter((call) => call.startsWith("PUT s3 "));
    expect(s3Puts).toHaveLength(4);
    expect(calls[0]).toBe("POST api /uploads");
    expect(calls).toContainEqual(
      expect.stringMatching(/^POST api \/uploads\/u[0-9a-f]{27}\/complete$/),
    );
    expect(events.at(-1)).toEqual({
      key: "parts/big.bin",
      loaded: data.length,
      total: data.length,
    });
    expect(events.length).toBeGreaterThan(200); // every 64 KiB of every part

    const info = await client.head("parts/big.bin");
    expect(info).toMatchObject({ size: data.length, contentType: "application/x-test" });
    const bytes = await client.downloadBytes("parts/big.bin");
    const digest = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(digest(bytes)).toBe(digest(data));
  });
});
