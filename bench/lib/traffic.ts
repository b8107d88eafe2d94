/**
 * Traffic through the real handlers: `PUT`, `GET` and `DELETE /files/{key+}` invoked with API
 * Gateway events, the presigned URLs they answer followed to the S3 emulator, and the S3
 * events of those requests fed to the real queue subscriber in SQS batches of 10. Every
 * DynamoDB call the handlers send goes through a {@link CapacityMeter}; the traffic keeps
 * count of what else AWS would bill (API requests, Lambda time, SQS and S3 requests).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable, lambdaContext } from "@filegate/local";
import type { HttpResult } from "../../packages/functions/src/http/boundary";
import { CapacityMeter } from "./capacity";
import { BENCH, handlerEnvironment, useHandlerEnvironment } from "./environment";
import { httpEvent, type ObjectEvent, sqsBatch } from "./events";
import type { Usage } from "./prices";

/** Messages per subscriber invocation, as the queue's event source mapping delivers them. */
export const BATCH = 10;
const BODY = new Blob([Buffer.alloc(2048, 7)]);

type Route = (event: ReturnType<typeof httpEvent>) => Promise<HttpResult>;

export interface TrafficCounts {
  uploads: number;
  downloads: number;
  deletes: number;
  /** S3 events the subscriber applied, and the batches it got them in. */
  events: number;
  batches: number;
  /** Calls the subscriber made to S3 (HeadObject of each created object). */
  heads: number;
}

export class Traffic {
  readonly counts: TrafficCounts = {
    uploads: 0,
    downloads: 0,
    deletes: 0,
    events: 0,
    batches: 0,
    heads: 0,
  };
  readonly lambdaMs: number[] = [];
  private pending: ObjectEvent[] = [];
  private sequencer = BigInt(Date.now()) << 16n;
  private failures = 0;

  private constructor(
    readonly meter: CapacityMeter,
    private readonly routes: { put: Route; get: Route; del: Route },
    private readonly subscriber: (batch: ReturnType<typeof sqsBatch>) => Promise<number>,
  ) {}

  /**
   * Points this process's handlers at the emulators, creates the table, and imports the
   * handlers (once per process: they read their environment when first imported).
   */
  static async start(endpoints: { dynamodb: string; s3: string }): Promise<Traffic> {
    useHandlerEnvironment(handlerEnvironment(endpoints));
    const raw = new DynamoDBClient({});
    await ensureTable(raw, BENCH.table);
    const [put, get, del, events, lib] = await Promise.all([
      import("../../packages/functions/src/http/put-file"),
      import("../../packages/functions/src/http/get-file"),
      import("../../packages/functions/src/http/delete-file"),
      import("../../packages/functions/src/events/subscriber"),
      import("../../packages/functions/src/lib/dynamo"),
    ]);
    const meter = new CapacityMeter(raw, BENCH.table);
    meter.attach(lib.dynamo);
    const context = lambdaContext("filegate-scale-subscriber");
    return new Traffic(
      meter,
      { put: put.handler, get: get.handler, del: del.handler },
      async (batch) => (await events.handler(batch, context)).batchItemFailures.length,
    );
  }

  /** Events the subscriber reported as failed so far (none, when all went well). */
  get failed(): number {
    return this.failures;
  }

  /** `PUT /files/{key}`, the upload to S3 through its URL, and its event (queued). */
  async upload(tenant: string, key: string): Promise<void> {
    const grant = await this.route("put", tenant, key, { "content-type": "application/pdf" });
    const response = await fetch(grant.url, {
      method: "PUT",
      headers: grant.headers,
      body: BODY,
    });
    if (!response.ok) throw new Error(`S3 PUT of ${key}: ${response.status}`);
    this.counts.uploads++;
    this.queue({
      objectKey: `tenants/${tenant}/${key}`,
      size: BODY.size,
      etag: (response.headers.get("etag") ?? "").replaceAll('"', ""),
    });
  }

  /** `GET /files/{key}`: the redirect only (S3's GET is billed, not run). */
  async download(tenant: string, key: string): Promise<void> {
    await this.route("get", tenant, key);
    this.counts.downloads++;
  }

  /** `DELETE /files/{key}`, the delete in S3 through its URL, and its event (queued). */
  async delete(tenant: string, key: string): Promise<void> {
    const grant = await this.route("del", tenant, key);
    const response = await fetch(grant.url, { method: "DELETE", headers: grant.headers });
    if (!response.ok) throw new Error(`S3 DELETE of ${key}: ${response.status}`);
    this.counts.deletes++;
    this.queue({ objectKey: `tenants/${tenant}/${key}`, eventName: "ObjectRemoved:Delete" });
  }

  /** Hands the queued events to the subscriber, {@link BATCH} at a time. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const events = this.pending.splice(0, BATCH);
      const overhead = this.meter.overheadMs;
      const started = performance.now();
      this.failures += await this.subscriber(sqsBatch(events));
      this.lambdaMs.push(performance.now() - started - (this.meter.overheadMs - overhead));
      this.counts.batches++;
      this.counts.events += events.length;
      this.counts.heads += events.filter((e) => e.eventName === undefined).length;
    }
  }

  /** Queues an event; full batches go to the subscriber as S3 would fill the queue. */
  private queue(event: Omit<ObjectEvent, "sequencer">): void {
    this.sequencer++;
    this.pending.push({ ...event, sequencer: this.sequencer.toString(16).toUpperCase() });
  }

  /** Forgets what was counted so far (setup traffic is not part of a scenario). */
  reset(): void {
    this.meter.reset();
    this.lambdaMs.length = 0;
    for (const name of Object.keys(this.counts)) this.counts[name as keyof TrafficCounts] = 0;
  }

  /** What the traffic so far used, in the units AWS bills. */
  usage(): Usage {
    const { uploads, downloads, deletes, events, batches, heads } = this.counts;
    const units = this.meter.totals();
    return {
      apiRequests: uploads + downloads + deletes,
      lambdaInvocations: this.lambdaMs.length,
      lambdaMs: [...this.lambdaMs],
      // S3 sends each event; the event source mapping receives and deletes each batch.
      sqsRequests: events + 2 * batches,
      dynamoWriteUnits: units.wcu,
      dynamoReadUnits: units.rcu,
      s3Puts: uploads,
      s3Gets: downloads + heads,
    };
  }

  private async route(
    name: "put" | "get" | "del",
    tenant: string,
    key: string,
    headers: Record<string, string> = {},
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const method = { put: "PUT", get: "GET", del: "DELETE" }[name];
    const event = httpEvent({
      method,
      route: "/files/{key+}",
      key,
      tenant,
      headers: { ...headers, accept: "application/json" },
    });
    const overhead = this.meter.overheadMs;
    const started = performance.now();
    const result = await this.routes[name](event);
    this.lambdaMs.push(performance.now() - started - (this.meter.overheadMs - overhead));
    if (result.statusCode !== 200) {
      throw new Error(`${method} /files/${key} (${tenant}): ${result.statusCode} ${result.body}`);
    }
    return JSON.parse(String(result.body)) as { url: string; headers: Record<string, string> };
  }
}
