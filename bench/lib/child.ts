/**
 * Runs one suite in this process and writes its result as JSON:
 * `node --import tsx bench/lib/child.ts <suite> <result file>`, options in
 * FILEGATE_BENCH_OPTIONS. Each suite gets a fresh process, because handler modules read
 * their environment (endpoints, links) once, when first imported.
 */
import { writeFile } from "node:fs/promises";
import type { BenchOptions, Suite } from "./suite";

const [name, resultFile] = process.argv.slice(2);
if (!name || !resultFile) throw new Error("usage: child.ts <suite> <result file>");
const options = JSON.parse(process.env.FILEGATE_BENCH_OPTIONS ?? "{}") as BenchOptions;
const { run } = (await import(`../suites/${name}.ts`)) as { run: Suite };
const result = await run(options);
await writeFile(resultFile, JSON.stringify(result));
// Handlers keep SDK connections alive, as they do in a Lambda container.
process.exit(0);
