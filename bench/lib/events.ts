import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEventKey } from "@filegate/core/events";
import { toSqsRecord } from "@filegate/local";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, SQSEvent } from "aws-lambda";
import { BENCH } from "./environment";

const FIXTURES = join(import.meta.dirname, "../../tests/fixtures");
const fixtures = new Map<string, string>();
/** A fresh copy of a fixture, read from disk once (building events is not what is timed). */
const fixture = <T>(name: string): T => {
  let text = fixtures.get(name);
  if (text === undefined) {
    text = readFileSync(join(FIXTURES, name), "utf8");
    fixtures.set(name, text);
  }
  return JSON.parse(text) as T;
};

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/**
 * An API Gateway (HTTP API, payload 2.0) event as a deployed route receives it, from the
 * sample in tests/fixtures, for `method route` with the given file key, headers and query.
 */
export function httpEvent(request: {
  method: string;
  route: string;
  key?: string;
  /** The path, when the route is not a `/files` one (`/uploads/u123/parts`). */
  path?: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  scope?: string;
  /** The caller's tenant claim (default: the benchmark's tenant). */
  tenant?: string;
}): HttpEvent {
  const event = fixture<HttpEvent>("api-get-file-event.json");
  const path = request.path ?? (request.key === undefined ? "/files" : `/files/${request.key}`);
  const routeKey = `${request.method} ${request.route}`;
  const query = request.query ?? {};
  event.routeKey = routeKey;
  event.rawPath = path;
  event.rawQueryString = new URLSearchParams(query).toString();
  event.headers = { ...event.headers, ...request.headers };
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (request.pathParameters) event.pathParameters = request.pathParameters;
  else if (request.key === undefined) delete event.pathParameters;
  else event.pathParameters = { key: request.key };
  if (request.body !== undefined) {
    event.body = JSON.stringify(request.body);
    event.isBase64Encoded = false;
  }
  if (request.scope) event.requestContext.authorizer.jwt.claims.scope = request.scope;
  event.requestContext.routeKey = routeKey;
  event.requestContext.http.method = request.method;
  event.requestContext.http.path = path;
  event.requestContext.authorizer.jwt.claims.tenant = request.tenant ?? BENCH.tenant;
  event.requestContext.authorizer.jwt.claims.sub = BENCH.actor;
  return event;
}

/** What an S3 event record says about one object (a removal has no size nor ETag). */
export interface ObjectEvent {
  objectKey: string;
  sequencer: string;
  size?: number;
  etag?: string;
  /** Default `ObjectCreated:Put`. */
  eventName?: string;
}

type S3Notification = { Records: Array<Record<string, unknown> & { s3: { object: object } }> };

/**
 * An SQS batch as Lambda hands it to the queue subscriber: one message per object event,
 * each the notification S3 sends for an upload (the sample in tests/fixtures), with the key
 * URL-encoded as S3 does.
 */
export function sqsBatch(events: readonly ObjectEvent[]): SQSEvent {
  const sample = fixture<S3Notification>("s3-put-event.json");
  const record = sample.Records[0] as S3Notification["Records"][number];
  const queue = {
    arn: `arn:aws:sqs:${BENCH.region}:123456789012:FileEvents`,
    region: BENCH.region,
  };
  const now = Date.now();
  return {
    Records: events.map((event) => {
      const body = JSON.stringify({
        Records: [
          {
            ...record,
            ...(event.eventName ? { eventName: event.eventName } : {}),
            awsRegion: BENCH.region,
            eventTime: new Date(now).toISOString(),
            s3: {
              ...record.s3,
              bucket: { name: BENCH.bucket, arn: `arn:aws:s3:::${BENCH.bucket}` },
              object: {
                key: encodeEventKey(event.objectKey),
                ...(event.size === undefined ? {} : { size: event.size }),
                ...(event.etag === undefined ? {} : { eTag: event.etag }),
                sequencer: event.sequencer,
              },
            },
          },
        ],
      });
      return toSqsRecord(
        { messageId: randomUUID(), body, receiveCount: 1, sentTimestamp: now },
        queue,
        now,
      );
    }),
  };
}
