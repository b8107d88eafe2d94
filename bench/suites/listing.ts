/**
 * Listing: one page of 100 through the `GET /files` handler, from a tenant with 100,000
 * indexed files, against the raw DynamoDB Queries that page needs (one per listing shard, in
 * parallel), on the same emulator.
 */

import { type AttributeValue, DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { parseKeyring } from "@filegate/core/attest";
import { compareUtf8, encodeCursor, listingShare } from "@filegate/core/files";
import { fileStateKey, filesPartitions } from "@filegate/core/table";
import { ensureTable } from "@filegate/local";
import type { HttpResult } from "../../packages/functions/src/http/boundary";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { type HttpEvent, httpEvent } from "../lib/events";
import { type RoundOptions, type Samples, timeRounds } from "../lib/measure";
import { type Figure, figure, type Ratio, ratio, type SuiteResult } from "../lib/report";
import { batchWrite, presentFile } from "../lib/seed";
import { startServer } from "../lib/servers";
import { type BenchOptions, progress, type Suite } from "../lib/suite";

const PAGE = 100;
const keyAt = (i: number) => `docs/${String(i).padStart(6, "0")}.pdf`;

export const run: Suite = async (options) => {
  const count = options.quick ? 2_000 : 100_000;
  const dynamo = await startServer(options.dynamodb);
  try {
    useHandlerEnvironment(handlerEnvironment({ dynamodb: dynamo.endpoint }));
    // Built as the handlers' client is: endpoint, region and credentials from the environment.
    const client = new DynamoDBClient({});
    await ensureTable(client, BENCH.table);
    const seedSeconds = await seed(client, count, options);
    const listing = await createListing(client, count);
    const checks = await verify(listing);

    progress("listing", "timing pages and queries");
    const rounds = options.quick
      ? { rounds: 3, roundMs: 20, warmupMs: 50 }
      : { rounds: 61, roundMs: 40, warmupMs: 1000 };
    const { handler, query, firstEvent, middleEvent, middle } = listing;
    const samples = await timeRounds(
      [
        { id: "first.handler", run: () => handler(firstEvent) },
        { id: "first.query", run: () => query() },
        { id: "middle.handler", run: () => handler(middleEvent) },
        { id: "middle.query", run: () => query(keyAt(middle)) },
      ],
      rounds,
    );
    return report(options, { count, middle, seedSeconds, rounds, samples, checks });
  } finally {
    await dynamo.stop();
  }
};

/** Writes `count` files of the tenant into the table; returns the seconds it took. */
async function seed(client: DynamoDBClient, count: number, options: BenchOptions) {
  const seedStarted = performance.now();
  const items = Array.from({ length: count }, (_, i) =>
    presentFile(BENCH.tenant, keyAt(i), (i + 1).toString(16)),
  );
  progress("listing", `seeding ${count.toLocaleString("en-US")} files (${options.dynamodb})`);
  await batchWrite(client, BENCH.table, items);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  progress("listing", `seeded in ${seedSeconds.toFixed(1)} s`);
  return seedSeconds;
}

/** The handler and the raw Queries, and the pages both are asked for. */
interface Listing {
  handler: (event: HttpEvent) => Promise<HttpResult>;
  /** The raw Queries of a page, from after a key, their items merged in key order. */
  query: (after?: string) => Promise<Record<string, AttributeValue>[]>;
  firstEvent: HttpEvent;
  /** The page after the file in the middle of the listing. */
  middleEvent: HttpEvent;
  middle: number;
}

/** The `GET /files` handler on the table, and the raw Queries a page of it needs. */
async function createListing(client: DynamoDBClient, count: number): Promise<Listing> {
  const [{ listFiles }, { fileIndex }] = await Promise.all([
    import("../../packages/functions/src/http/list-files"),
    import("../../packages/functions/src/lib/file-index"),
  ]);
  const middle = Math.floor(count / 2);
  return {
    handler: listFiles({ files: fileIndex }),
    query: (after) => rawQuery(client, after),
    firstEvent: httpEvent({ method: "GET", route: "/files" }),
    middleEvent: httpEvent({
      method: "GET",
      route: "/files",
      query: {
        cursor: encodeCursor(parseKeyring(BENCH.attestationKeys), BENCH.tenant, "", keyAt(middle)),
      },
    }),
    middle,
  };
}

/**
 * The Queries each page needs: every shard of the tenant's listing in the `files` index, in
 * parallel, each from the cursor's position, for its share of the page (with one item more
 * than the page in all, to know whether another page follows).
 */
async function rawQuery(client: DynamoDBClient, after?: string) {
  const pages = await Promise.all(
    filesPartitions(BENCH.tenant).map((partition) =>
      client.send(
        new QueryCommand({
          TableName: BENCH.table,
          IndexName: "files",
          KeyConditionExpression: "gsi1pk = :p",
          ExpressionAttributeValues: { ":p": { S: partition } },
          Limit: listingShare(PAGE),
          ...(after === undefined
            ? {}
            : {
                ExclusiveStartKey: marshall({
                  ...fileStateKey(BENCH.tenant, after),
                  gsi1pk: partition,
                  gsi1sk: after,
                }),
              }),
        }),
      ),
    ),
  );
  return pages
    .flatMap((page) => page.Items ?? [])
    .sort((a, b) => compareUtf8(a.gsi1sk?.S ?? "", b.gsi1sk?.S ?? ""));
}

/** The pages hold the keys they should, and the raw Queries read what the pages show. */
async function verify({ handler, query, firstEvent, middleEvent, middle }: Listing) {
  const page = async (event: typeof firstEvent) => {
    const answer = await handler(event);
    return JSON.parse(answer.body ?? "{}") as { items?: { key: string }[]; cursor?: unknown };
  };
  const [first, second, rawFirst, rawSecond] = await Promise.all([
    page(firstEvent),
    page(middleEvent),
    query(),
    query(keyAt(middle)),
  ]);
  return {
    "first page holds the first 100 keys and a cursor":
      first.items?.length === PAGE && first.items[0]?.key === keyAt(0) && !!first.cursor,
    "a page from the middle starts right after its cursor":
      second.items?.length === PAGE && second.items[0]?.key === keyAt(middle + 1),
    "the raw Query reads what the pages show":
      rawFirst.length >= PAGE + 1 &&
      rawFirst[PAGE]?.gsi1sk?.S === keyAt(PAGE) &&
      rawSecond[0]?.gsi1sk?.S === keyAt(middle + 1),
  };
}

/** What the suite measured and checked, for its report. */
interface Measured {
  count: number;
  middle: number;
  seedSeconds: number;
  rounds: RoundOptions;
  samples: Map<string, Samples>;
  checks: Record<string, boolean>;
}

/** Each page's figures, the handler's against the raw Queries'. */
function report(options: BenchOptions, measured: Measured): SuiteResult {
  const { count, middle, seedSeconds, rounds, samples, checks } = measured;
  const result: SuiteResult = {
    suite: "listing",
    title: `2. Listing (ms per page of ${PAGE}, tenant with ${count.toLocaleString("en-US")} files, ${options.dynamodb})`,
    figures: [],
    ratios: [],
    checks,
    setup: {
      ...rounds,
      files: count,
      dynamodb: options.dynamodb,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      seedRate: Math.round(count / seedSeconds),
    },
    notes: [],
  };
  const pages = [
    ["first", "first page"],
    ["middle", `page after file ${middle.toLocaleString("en-US")}`],
  ] as const;
  for (const [page, label] of pages) {
    const { figures, ratios } = pageFigures(page, label, samples);
    result.figures.push(...figures);
    result.ratios.push(...ratios);
  }
  return result;
}

/** One page's figures (handler and raw Query, wall clock and CPU time) and their ratios. */
function pageFigures(
  page: string,
  label: string,
  samples: Map<string, Samples>,
): { figures: Figure[]; ratios: Ratio[] } {
  const ms = (id: string, clock: "wall" | "cpu") =>
    (samples.get(`${page}.${id}`)?.[clock] ?? []).map((us) => us / 1000);
  const handled = figure(
    `listing.${page}.handler`,
    `${label}, GET /files handler`,
    "ms",
    ms("handler", "wall"),
  );
  const queried = figure(`listing.${page}.query`, `${label}, raw Query`, "ms", ms("query", "wall"));
  // This process's CPU time per page: the handler's own work beside the SDK's, without
  // the emulator and without the neighbours.
  const handledCpu = figure(
    `listing.${page}.handler.cpu`,
    `${label}, handler, CPU time here`,
    "ms",
    ms("handler", "cpu"),
  );
  const queriedCpu = figure(
    `listing.${page}.query.cpu`,
    `${label}, raw Query, CPU time here`,
    "ms",
    ms("query", "cpu"),
  );
  return {
    figures: [handled, queried, handledCpu, queriedCpu],
    ratios: [
      ratio(`listing.${page}.handler/query`, `${label}: handler / raw Query`, handled, queried, {
        op: "<=",
        value: 1.2,
      }),
      ratio(
        `listing.${page}.handler/query.cpu`,
        `${label}: CPU time here, handler / raw Query`,
        handledCpu,
        queriedCpu,
      ),
    ],
  };
}
