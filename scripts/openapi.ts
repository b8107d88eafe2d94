/**
 * `npm run openapi`: writes the API's OpenAPI document to docs/openapi.json (a test fails
 * when the file differs from what the code builds).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildDocument } from "../packages/functions/src/openapi/document";

export const OPENAPI_FILE = join(import.meta.dirname, "..", "docs", "openapi.json");

/** The document as the file holds it. */
export function documentText(): string {
  return `${JSON.stringify(buildDocument(), null, 2)}\n`;
}

if (process.argv[1] === import.meta.filename) {
  await writeFile(OPENAPI_FILE, documentText());
  console.log(`wrote ${OPENAPI_FILE}`);
}
