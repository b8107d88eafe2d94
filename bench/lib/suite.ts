import type { SuiteResult } from "./report";

/** What `npm run bench` passes every suite. */
export interface BenchOptions {
  /** A short smoke run: few rounds, small data; the figures only prove the harness works. */
  quick: boolean;
  /** The DynamoDB emulator behind the listing and ingestion figures. */
  dynamodb: "dynalite" | "dynamodb-local";
  /** Where results go: the scale suite writes `scale.json` beside `results.json`. */
  outDir?: string | undefined;
  /** A suite's variant (the ingestion suite's S3 endpoint). */
  variant?: string | undefined;
}

/** A suite runs in a child process of its own and returns its figures. */
export type Suite = (options: BenchOptions) => Promise<SuiteResult>;

/** Progress, on stderr (stdout belongs to the handlers' logs). */
export function progress(suite: string, message: string): void {
  process.stderr.write(`  [${suite}] ${message}\n`);
}
