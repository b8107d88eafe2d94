import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_STATUS } from "@filegate/core/errors";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/stack";

/**
 * docs/api.md's error table is written by hand for its "when" column; its codes and statuses
 * must be the catalogue's, every one of them and no other.
 */
const rows = (() => {
  const text = readFileSync(join(ROOT, "docs/api.md"), "utf8");
  const start = text.indexOf("### Errors");
  const header = text.indexOf("| code", start);
  const end = text.indexOf("\n\n", header);
  if (start === -1 || header === -1) return [];
  return text
    .slice(header, end === -1 ? undefined : end)
    .split("\n")
    .slice(2)
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map(([, code, status, when]) => ({ code: code?.replace(/`/g, ""), status, when }));
})();

describe("the error table of docs/api.md", () => {
  it("lists every code of the catalogue once, with its status", () => {
    const documented = Object.fromEntries(rows.map((row) => [row.code, Number(row.status)]));
    expect(rows).toHaveLength(Object.keys(documented).length);
    expect(documented).toStrictEqual({ ...ERROR_STATUS });
  });

  it("says when each code is answered", () => {
    for (const row of rows) expect(row.when, row.code).toMatch(/\w/);
  });
});
