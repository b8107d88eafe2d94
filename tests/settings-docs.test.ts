import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, secretOf } from "@filegate/core/config";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/stack";

/**
 * docs/deployment.md's settings table is the declaration of `packages/core/src/config/settings.ts`
 * written out: every setting once, with its secret, variable, default and TSDoc line, and no
 * other row. A setting added, renamed or changed without the docs fails here.
 */
const DECLARATION = "packages/core/src/config/settings.ts";

/** The TSDoc line of each entry of `SETTINGS`, read from the source (it is not in the bundle). */
function docLines(): Map<string, string> {
  const file = join(ROOT, DECLARATION);
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const lines = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === "SETTINGS") {
      let value = node.initializer;
      while (value && ts.isSatisfiesExpression(value)) value = value.expression;
      if (!value || !ts.isObjectLiteralExpression(value)) throw new Error("SETTINGS is no object");
      for (const property of value.properties) {
        const doc = ts.getJSDocCommentsAndTags(property).find(ts.isJSDoc);
        lines.set(
          property.name?.getText(source) ?? "",
          ts.getTextOfJSDocComment(doc?.comment) ?? "",
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

/** The rows of the table under `## Settings` whose header is secret, variable, default, meaning. */
function documentedRows(): string[][] {
  const text = readFileSync(join(ROOT, "docs/deployment.md"), "utf8");
  const start = text.indexOf("## Settings\n");
  const end = text.indexOf("\n## ", start + 1);
  const section = start === -1 ? "" : text.slice(start, end === -1 ? undefined : end);
  const cells = (line: string) =>
    line
      .replace(/^\|/, "")
      .replace(/\|\s*$/, "")
      .split(" | ")
      .map((cell) => cell.trim());
  const lines = section.split("\n");
  const header = lines.findIndex((line) => line.startsWith("|") && line.includes("secret"));
  expect(cells(lines[header] ?? ""), "the table's header").toEqual([
    "secret",
    "variable",
    "default",
    "meaning",
  ]);
  const rows: string[][] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(cells(line));
  }
  return rows;
}

const docs = docLines();
const declared = Object.entries(SETTINGS).map(([name, setting]) => [
  `\`${secretOf(setting.variable)}\``,
  `\`${setting.variable}\``,
  `\`${setting.default}\``,
  docs.get(name) ?? "",
]);

describe("docs/deployment.md's settings table", () => {
  it("gives every declared setting a one-line doc", () => {
    expect([...docs.keys()]).toEqual(Object.keys(SETTINGS));
    for (const [name, line] of docs) {
      expect(line, name).toMatch(/^\S.*\S$/);
      expect(line, name).not.toMatch(/[\n|]/);
    }
  });

  it("lists every declared setting once, with its secret, variable, default and doc line", () => {
    expect(documentedRows()).toEqual(declared);
  });
});
