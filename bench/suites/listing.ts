/**
 * Listing: one page of 100 through the `GET /files` handler, from a tenant with 100,000
 * indexed files, against the raw DynamoDB Query that page needs, on the same emulator.
 */
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { encodeCursor } from "@filegate/core/files";
import { fileListingKeys, fileStateKey, filesPartition } from "@filegate/core/table";
import { ensureTable } from "@filegate/local";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "../lib/environment";
import { httpEvent } from "../lib/events";
import { timeRounds } from "../lib/measure";
import { figure, ratio, type SuiteResult } from "../lib/report";
import { batchWrite, presentFile } from "../lib/seed";
import { startServer } from "../lib/servers";
import { progress, type Suite } from "../lib/suite";

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

    const seedStarted = performance.now();
    const items = Array.from({ length: count }, (_, i) =>
      presentFile(BENCH.tenant, keyAt(i), (i + 1).toString(16)),
    );
    progress("listing", `seeding ${count.toLocaleString("en-US")} files (${options.dynamodb})`);
    await batchWrite(client, BENCH.table, items);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    progress("listing", `seeded in ${seedSeconds.toFixed(1)} s`);

    const [{ listFiles }, { fileIndex }] = await Promise.all([
      import("../../packages/functions/src/http/list-files"),
      import("../../packages/functions/src/lib/file-index"),
    ]);
    const handler = listFiles({ files: fileIndex });
    const middle = Math.floor(count / 2);
    const firstEvent = httpEvent({ method: "GET", route: "/files" });
    const middleEvent = httpEvent({
      method: "GET",
      route: "/files",
      query: { cursor: encodeCursor(BENCH.tenant, "", keyAt(middle)) },
    });

    // The Query each page needs: the tenant's partition of the `files` index, one item more
    // than the page (to know whether another page follows), from the cursor's position.
    const query = (after?: string) =>
      client.send(
        new QueryCommand({
          TableName: BENCH.table,
          IndexName: "files",
          KeyConditionExpression: "gsi1pk = :p",
          ExpressionAttributeValues: { ":p": { S: filesPartition(BENCH.tenant) } },
          Limit: PAGE + 1,
          ...(after === undefined
            ? {}
            : {
                ExclusiveStartKey: marshall({
                  ...fileStateKey(BENCH.tenant, after),
                  ...fileListingKeys(BENCH.tenant, after),
                }),
              }),
        }),
      );

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
    const checks = {
      "first page holds the first 100 keys and a cursor":
        first.items?.length === PAGE && first.items[0]?.key === keyAt(0) && !!first.cursor,
      "a page from the middle starts right after its cursor":
        second.items?.length === PAGE && second.items[0]?.key === keyAt(middle + 1),
      "the raw Query reads what the pages show":
        rawFirst.Items?.length === PAGE + 1 &&
        rawSecond.Items?.[0]?.gsi1sk?.S === keyAt(middle + 1),
    };

    progress("listing", "timing pages and queries");
    const rounds = options.quick
      ? { rounds: 3, roundMs: 20, warmupMs: 50 }
      : { rounds: 61, roundMs: 40, warmupMs: 1000 };
    const samples = await timeRounds(
      [
        { id: "first.handler", run: () => handler(firstEvent) },
        { id: "first.query", run: () => query() },
        { id: "middle.handler", run: () => handler(middleEvent) },
        { id: "middle.query", run: () => query(keyAt(middle)) },
      ],
      rounds,
    );
    const ms = (id: string) => (samples.get(id) ?? []).map((us) => us / 1000);

    const firstPage = figure(
      "listing.first.handler",
      "first page, GET /files handler",
      "ms",
      ms("first.handler"),
    );
    const firstQuery = figure(
      "listing.first.query",
      "first page, raw Query",
      "ms",
      ms("first.query"),
    );
    const middlePage = figure(
      "listing.middle.handler",
      `page after file ${middle.toLocaleString("en-US")}, handler`,
      "ms",
      ms("middle.handler"),
    );
    const middleQuery = figure(
      "listing.middle.query",
      `page after file ${middle.toLocaleString("en-US")}, raw Query`,
      "ms",
      ms("middle.query"),
    );
    const goal = { op: "<=", value: 1.2 } as const;
    const result: SuiteResult = {
      suite: "listing",
      title: `2. Listing (ms per page of ${PAGE}, tenant with ${count.toLocaleString("en-US")} files, ${options.dynamodb})`,
      figures: [firstPage, firstQuery, middlePage, middleQuery],
      ratios: [
        ratio(
          "listing.first.handler/query",
          "first page: handler / raw Query",
          firstPage,
          firstQuery,
          goal,
        ),
        ratio(
          "listing.middle.handler/query",
          "middle page: handler / raw Query",
          middlePage,
          middleQuery,
          goal,
        ),
      ],
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
    return result;
  } finally {
    await dynamo.stop();
  }
};
