/**
 * Listing: one page of 100 through the `GET /files` handler, from a tenant with 100,000
 * indexed files, against the raw DynamoDB Query that page needs, on the same emulator.
 */

import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { parseKeyring } from "@filegate/core/attest";
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
      query: {
        cursor: encodeCursor(parseKeyring(BENCH.attestationKeys), BENCH.tenant, "", keyAt(middle)),
      },
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
      const ms = (id: string, clock: "wall" | "cpu") =>
        (samples.get(`${page}.${id}`)?.[clock] ?? []).map((us) => us / 1000);
      const handled = figure(
        `listing.${page}.handler`,
        `${label}, GET /files handler`,
        "ms",
        ms("handler", "wall"),
      );
      const queried = figure(
        `listing.${page}.query`,
        `${label}, raw Query`,
        "ms",
        ms("query", "wall"),
      );
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
      result.figures.push(handled, queried, handledCpu, queriedCpu);
      result.ratios.push(
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
      );
    }
    return result;
  } finally {
    await dynamo.stop();
  }
};
