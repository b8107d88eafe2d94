import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/stack";

/**
 * The parity table of docs/deployment.md names, for each AWS behaviour, the tests that hold
 * the local stack to it: a renamed or deleted test must not leave the table pointing nowhere.
 */
const section = (() => {
  const text = readFileSync(join(ROOT, "docs/deployment.md"), "utf8");
  const start = text.indexOf("## Parity: the local stack and AWS");
  const end = text.indexOf("\n## ", start + 1);
  return start === -1 ? "" : text.slice(start, end === -1 ? undefined : end);
})();

const rows = section
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| ---"))
  .slice(1)
  .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| |\s*\|$/g, "")));

describe("the parity table of docs/deployment.md", () => {
  it("has a row per behaviour, each with the local side, its tests and what stays unprovable", () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const row of rows) expect(row, row[0]).toHaveLength(4);
  });

  it.each(rows.map((row) => [row[0]?.slice(0, 60), row] as const))(
    "%s… names tests that exist",
    (_, row) => {
      const tests = [...(row[2] ?? "").matchAll(/`((?:tests|packages)\/[^`]+)`/g)].map(
        (match) => match[1] as string,
      );
      expect(tests.length, "the row names no test").toBeGreaterThan(0);
      for (const path of tests) {
        const file = path.endsWith("/*") ? path.slice(0, -2) : path;
        expect(existsSync(join(ROOT, file)), path).toBe(true);
      }
    },
  );
});
