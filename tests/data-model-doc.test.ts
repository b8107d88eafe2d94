import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TABLE } from "@filegate/core/table";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/stack";

/** docs/data-model.md's table of key attributes against the one declaration of the table. */
describe("docs/data-model.md", () => {
  it("lists every key attribute, the TTL and every index of the table", async () => {
    const doc = await readFile(join(ROOT, "docs/data-model.md"), "utf8");
    const table = doc.slice(0, doc.indexOf("## Items"));
    const rows = table.split("\n").filter((line) => line.startsWith("| `"));
    const documented = rows.flatMap((row) =>
      [...(row.split("|")[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]),
    );
    expect(documented.sort()).toEqual([...Object.keys(TABLE.fields), TABLE.ttl].sort());
    for (const [name, index] of Object.entries(TABLE.globalIndexes)) {
      const row = rows.find((line) => line.includes(`\`${index.hashKey}\``));
      expect(row, name).toContain(`index \`${name}\``);
      expect(table, name).toContain(`\`${name}\``);
    }
  });
});
