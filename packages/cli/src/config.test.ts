import { describe, expect, it } from "vitest";
import { sameLocalServer } from "./config";

describe("sameLocalServer", () => {
  const stack = "http://127.0.0.1:8787";

  it("takes the stack's URL under any loopback name, with the stack's port", () => {
    for (const url of [
      "http://127.0.0.1:8787",
      "http://127.0.0.1:8787/files",
      "http://localhost:8787",
      "http://LOCALHOST:8787/",
      "http://[::1]:8787",
    ]) {
      expect(sameLocalServer(stack, url), url).toBe(true);
    }
    expect(sameLocalServer("http://localhost:8787", "http://[::1]:8787")).toBe(true);
  });

  it("refuses another port, scheme or host, and what is not a URL", () => {
    for (const url of [
      "http://localhost:8788",
      "https://localhost:8787",
      "http://127.0.0.2:8787",
      "http://localhost.example.com:8787",
      "http://example.com:8787",
      "http://[::2]:8787",
      "localhost:8787",
    ]) {
      expect(sameLocalServer(stack, url), url).toBe(false);
    }
  });
});
