import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { TABLE } from "@filegate/core/table";
import { scheduleSpan } from "@filegate/core/webhooks";
import { API_CORS, BUCKET_CORS } from "@filegate/functions/edge";
import { ROUTES } from "@filegate/functions/routes";
import { JOBS, SUBSCRIBER, WEBHOOK_DELIVERY } from "@filegate/functions/workers";
import { DEFAULT_OPTIONS } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderSstEnv } from "../../scripts/sst/sst-env";
import { ROOT, run } from "../helpers/stack";
import { type Deployment, jobComponent, mockDeployment, REQUIRED_SECRETS } from "./deployment";

/**
 * `sst deploy --stage dev`, run here under Pulumi's mocks: sst.config.ts and infra/*.ts
 * evaluated by SST 4's own components, every handler bundled. What AWS would be asked to
 * create is checked against the route table and the table model it is built from.
 */
let app: Deployment;
beforeAll(async () => {
  app = await mockDeployment({ stage: "dev" });
}, 180_000);
afterAll(() => app?.dispose());

const ROUTE = "aws:apigatewayv2/route:Route";

const bucket = () => app.one("aws:s3/bucket:Bucket");
const table = () => app.one("aws:dynamodb/table:Table");

const ROUTE_CASES = ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const);

/** Every function of the app, as `ROUTES` and `workers.ts` declare it. */
const FUNCTIONS = [
  ...ROUTES.map((route) => ({
    name: `${route.method} ${route.path}`,
    handler: route.handler,
    link: route.link,
    build: () => app.route(route.method, route.path).handler,
  })),
  { name: "the queue subscriber", ...SUBSCRIBER, build: () => app.subscriber() },
  {
    name: "the webhook delivery function",
    ...WEBHOOK_DELIVERY,
    build: () => app.webhookDelivery(),
  },
  ...Object.entries(JOBS).map(([name, job]) => ({
    name: `the ${name} job`,
    handler: job.handler,
    link: job.link,
    build: () => app.job(jobComponent(name)),
  })),
];

describe("the HTTP API", () => {
  it("has exactly the routes of the route table", () => {
    const keys = app.all(ROUTE).map((route) => route.inputs.routeKey);
    expect(keys.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(ROUTE_CASES.filter(([, route]) => route.auth !== "none"))(
    "%s accepts only callers with a JWT the authorizer verified",
    (_, { method, path }) => {
      const authorizer = app.one("aws:apigatewayv2/authorizer:Authorizer");
      const { route } = app.route(method, path);
      expect(route.inputs.authorizationType).toBe("JWT");
      expect(route.inputs.authorizerId).toBe(authorizer.id);
    },
  );

  it("answers CORS preflights without the authorizer: no route that can receive OPTIONS needs a JWT", () => {
    // API Gateway picks a route by path, then method, `ANY` last: for every path a browser may
    // preflight, the route an OPTIONS request lands on must not carry the authorizer.
    const routes = app.all(ROUTE).map((route) => ({
      key: String(route.inputs.routeKey),
      auth: route.inputs.authorizationType ?? "NONE",
    }));
    const optionsRoutes = routes.filter(({ key }) => key.startsWith("OPTIONS "));
    expect(optionsRoutes.map(({ key }) => key)).toContain("OPTIONS /{proxy+}");
    for (const route of optionsRoutes) expect(route.auth).toBe("NONE");
    // Every ANY route is shadowed for OPTIONS by an unauthenticated OPTIONS route on its path.
    for (const { key } of routes.filter(({ key }) => key.startsWith("ANY "))) {
      const path = key.slice("ANY ".length);
      expect(optionsRoutes.map((route) => route.key)).toContain(`OPTIONS ${path}`);
    }
    // The unauthenticated routes: the preflight handler and the OpenAPI document, which
    // reach no resource.
    const { handler } = app.route("OPTIONS", "/{proxy+}");
    expect(handler.handler).toBe("packages/functions/src/http/preflight.handler");
    const document = app.route("GET", "/openapi.json").handler;
    expect(document.handler).toBe("packages/functions/src/http/openapi.handler");
    expect(
      routes
        .filter(({ auth }) => auth === "NONE")
        .map(({ key }) => key)
        .sort(),
    ).toEqual(["GET /openapi.json", "OPTIONS /{proxy+}"]);
    for (const key of ["GET /openapi.json", "OPTIONS /{proxy+}"]) {
      const route = ROUTES.find((r) => `${r.method} ${r.path}` === key);
      expect(route?.link, key).toEqual([]);
      expect(route?.access, key).toEqual({});
    }
  });

  it.each(ROUTE_CASES)("%s runs a handler that exists and exports that name", (_, route) => {
    const { method, path, handler } = route;
    const { integration, handler: build } = app.route(method, path);
    expect(integration.inputs).toMatchObject({
      integrationType: "AWS_PROXY",
      payloadFormatVersion: "2.0",
    });
    expect(build.handler).toBe(handler);
    expect(build.errors.join("\n")).toBe("");
    expect(build.exports).toContain(handler.slice(handler.lastIndexOf(".") + 1));
    expect(app.lambda(build).inputs).toMatchObject({
      handler: "bundle.handler",
      timeout: route.timeoutSeconds ?? 10,
    });
  });

  it("verifies tokens of the stage's issuer and audiences from the Authorization header", () => {
    const authorizer = app.one("aws:apigatewayv2/authorizer:Authorizer");
    expect(authorizer.inputs).toMatchObject({
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: {
        issuer: REQUIRED_SECRETS.JwtIssuer,
        audiences: [REQUIRED_SECRETS.JwtAudiences],
      },
    });
  });
});

describe("the API's CORS", () => {
  it("is API_CORS of the edge declaration, exactly", () => {
    const api = app.one("aws:apigatewayv2/api:Api");
    expect(api.inputs.corsConfiguration).toEqual({
      allowOrigins: [...API_CORS.allowOrigins],
      allowMethods: [...API_CORS.allowMethods],
      allowHeaders: [...API_CORS.allowHeaders],
      exposeHeaders: [...API_CORS.exposeHeaders],
      maxAge: API_CORS.maxAgeSeconds,
    });
  });
});

describe("S3 events", () => {
  it("the bucket notifies the queue of exactly s3:ObjectCreated:* and s3:ObjectRemoved:*", () => {
    const notification = app.one("aws:s3/bucketNotification:BucketNotification");
    expect(notification.inputs.bucket).toBe(bucket().id);
    const queues = notification.inputs.queues as { queueArn: string; events: string[] }[];
    expect(queues).toHaveLength(1);
    expect(queues[0]?.queueArn).toBe(app.queue("FileEvents").state?.arn);
    expect(queues[0]?.events.slice().sort()).toEqual(["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
    expect(notification.inputs.lambdaFunctions ?? []).toEqual([]);
    expect(notification.inputs.topics ?? []).toEqual([]);
  });

  it("a message that keeps failing moves to the dead-letter queue after as many receives as locally", () => {
    const redrive = JSON.parse(String(app.queue("FileEvents").inputs.redrivePolicy));
    const deadLetters = app.queue("FileEventsDeadLetters");
    expect(redrive.deadLetterTargetArn).toBe(deadLetters.state?.arn);
    expect(redrive.maxReceiveCount).toBe(DEFAULT_OPTIONS.maxReceiveCount);
    expect(deadLetters.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
  });

  it("the subscriber consumes the queue ten at a time, with no window, and partial batch responses", () => {
    const mapping = app.mappingOf("FileEvents");
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    // Ten messages at most (as the local bridge delivers them), with no batching window: a
    // client waiting for its upload to be indexed (`?wait=`) would wait the window out too.
    expect(mapping.inputs.batchSize).toBe(10);
    expect(mapping.inputs.maximumBatchingWindowInSeconds).toBe(0);
    const build = app.subscriber();
    expect(build.handler).toBe(SUBSCRIBER.handler);
    expect(build.errors.join("\n")).toBe("");
    expect(build.exports).toContain("handler");
  });

  it("the subscriber is bundled with code splitting: queuing webhooks is a chunk of its own", async () => {
    const build = app.subscriber();
    expect(SUBSCRIBER.bundle.splitting).toBe(true);
    expect(build.splitting).toBe(true);
    const files = await readdir(String(build.out));
    expect(files).toContain("bundle.mjs");
    expect(files.filter((file) => /^webhook-sending-\w+\.mjs$/.test(file))).toHaveLength(1);
  });

  it("the queue hides a message in flight for longer than the subscriber may run", () => {
    const visibility = Number(app.queue("FileEvents").inputs.visibilityTimeoutSeconds);
    const timeout = Number(app.lambda(app.subscriber()).inputs.timeout);
    expect(visibility).toBeGreaterThanOrEqual(timeout);
    // AWS advises six times the function timeout for queues that feed Lambda.
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });
});
describe("webhooks", () => {
  it("the delivery function takes the webhook queue ten at a time with partial batch responses", () => {
    const mapping = app.mappingOf("WebhookQueue");
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.inputs.batchSize).toBe(10);
    const build = app.webhookDelivery();
    expect(build.handler).toBe(WEBHOOK_DELIVERY.handler);
    expect(build.errors.join("\n")).toBe("");
    const timeout = Number(app.lambda(build).inputs.timeout);
    expect(timeout).toBe(WEBHOOK_DELIVERY.timeoutSeconds);
    const visibility = Number(app.queue("WebhookQueue").inputs.visibilityTimeoutSeconds);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });

  it("a message the function keeps failing moves to the webhook dead-letter queue, kept 14 days", () => {
    const redrive = JSON.parse(String(app.queue("WebhookQueue").inputs.redrivePolicy));
    const deadLetters = app.queue("WebhookDeadLetters");
    expect(redrive.deadLetterTargetArn).toBe(deadLetters.state?.arn);
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
    expect(deadLetters.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
  });

  it("retries for at least 24 hours on AWS, to https targets on public addresses only", () => {
    for (const build of [app.webhookDelivery(), app.subscriber()]) {
      const { variables } = app.lambda(build).inputs.environment as {
        variables: Record<string, string>;
      };
      const schedule = {
        firstSeconds: Number(variables.FILEGATE_WEBHOOK_RETRY_FIRST),
        maxSeconds: Number(variables.FILEGATE_WEBHOOK_RETRY_MAX),
        windowSeconds: Number(variables.FILEGATE_WEBHOOK_RETRY_WINDOW),
      };
      expect(variables.FILEGATE_WEBHOOK_LOOPBACK).toBe("false");
      expect(scheduleSpan(schedule).seconds).toBeGreaterThanOrEqual(24 * 3600);
    }
  });

  it.each([
    ["webhook-dead-letters", "ApproximateNumberOfMessagesVisible"],
    ["webhooks-delayed", "ApproximateAgeOfOldestMessage"],
  ])("filegate-dev-%s alarms on the webhook queues' %s", (name, metric) => {
    const alarm = app.one(
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      (resource) => resource.inputs.name === `filegate-dev-${name}`,
    );
    expect(alarm.inputs.metricName).toBe(metric);
    expect(alarm.inputs.alarmActions).toEqual([app.arnOf("aws:sns/topic:Topic")]);
  });
});

describe("storage", () => {
  it("the table has the keys, attributes, indexes and TTL of the core TABLE model", () => {
    const { inputs } = table();
    const attributeType = { string: "S", number: "N", binary: "B" } as const;
    expect(inputs).toMatchObject({
      hashKey: TABLE.primaryIndex.hashKey,
      rangeKey: TABLE.primaryIndex.rangeKey,
      billingMode: "PAY_PER_REQUEST",
      ttl: { attributeName: TABLE.ttl, enabled: true },
    });
    expect(inputs.attributes).toEqual(
      Object.entries(TABLE.fields).map(([name, type]) => ({ name, type: attributeType[type] })),
    );
    expect(inputs.globalSecondaryIndexes).toEqual(
      Object.entries(TABLE.globalIndexes).map(([name, index]) => ({
        name,
        ...index,
        projectionType: "ALL",
      })),
    );
    expect(inputs.localSecondaryIndexes ?? []).toEqual([]);
  });

  it("the bucket's CORS rule is BUCKET_CORS of the edge declaration, exactly", () => {
    const cors = app.one("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration");
    expect(cors.inputs).toEqual({
      bucket: bucket().id,
      corsRules: [
        {
          allowedOrigins: [...BUCKET_CORS.allowOrigins],
          allowedMethods: [...BUCKET_CORS.allowMethods],
          allowedHeaders: [...BUCKET_CORS.allowHeaders],
          exposeHeaders: [...BUCKET_CORS.exposeHeaders],
          maxAgeSeconds: BUCKET_CORS.maxAgeSeconds,
        },
      ],
    });
    // Browsers need the ETag of each part to complete a multipart upload.
    expect(BUCKET_CORS.exposeHeaders).toContain("etag");
  });

  it("drops the parts of multipart uploads left unfinished for three days", () => {
    const lifecycle = app.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(lifecycle.inputs).toEqual({
      bucket: bucket().id,
      rules: [
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: 3 },
        },
      ],
    });
  });

  it("a stage other than production is removed with its data", () => {
    expect(app.run.app.removal).toBe("remove");
    expect(app.run.outputs._protect).toBe(false);
    expect(bucket().retainOnDelete).toBeUndefined();
    expect(table().retainOnDelete).toBeUndefined();
    expect(table().inputs.pointInTimeRecovery).toEqual({ enabled: false });
  });
});

describe.each(Object.entries(JOBS))("the %s job", (name, job) => {
  const schedule = () => app.childOf("aws:scheduler/schedule:Schedule", jobComponent(name));

  it(`runs on its schedule, ${job.schedule}`, () => {
    expect(schedule().inputs).toMatchObject({
      scheduleExpression: job.schedule,
      state: "ENABLED",
      flexibleTimeWindow: { mode: "OFF" },
    });
    expect(app.job(jobComponent(name)).handler).toBe(job.handler);
  });

  it("is not run again when a run fails: the next scheduled run is the retry", () => {
    // EventBridge Scheduler invokes asynchronously: without an event invoke config of 0
    // retries, Lambda would run a failed invocation up to twice more.
    const fn = app.lambda(app.job(jobComponent(name)));
    const configs = app.all(
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
      (config) => config.inputs.functionName === fn.inputs.name,
    );
    expect(configs.map((config) => config.inputs.maximumRetryAttempts)).toEqual([0]);
    // Nor does the scheduler try again (SST's default, relied on).
    expect(schedule().inputs.target).toMatchObject({ retryPolicy: { maximumRetryAttempts: 0 } });
  });
});

describe("alarms", () => {
  const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
  const alarm = (name: string) =>
    app.one(ALARM, (resource) => resource.inputs.name === `filegate-dev-${name}`);
  const functionName = (target: ReturnType<Deployment["subscriber"]>) =>
    app.lambda(target).inputs.name;

  it("are named by app and stage, and notify the Alarms topic when they fire and when they clear", () => {
    const topic = app.childOf("aws:sns/topic:Topic", "Alarms");
    const alarms = app.all(ALARM);
    expect(alarms.length).toBeGreaterThanOrEqual(11);
    for (const { inputs } of alarms) {
      expect(inputs.name).toMatch(/^filegate-dev-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(inputs.alarmActions).toEqual([topic.state?.arn]);
      expect(inputs.okActions).toEqual([topic.state?.arn]);
      expect(inputs.comparisonOperator).toBe("GreaterThanThreshold");
      expect(inputs.treatMissingData).toBe("notBreaching");
    }
    expect(new Set(alarms.map(({ inputs }) => inputs.name)).size).toBe(alarms.length);
  });

  it("filegate-dev-api-5xx: any 5xx answer of this API", () => {
    expect(alarm("api-5xx").inputs).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: app.one("aws:apigatewayv2/api:Api").id },
      statistic: "Sum",
      threshold: 0,
    });
    expect(Object.keys(alarm("api-5xx").inputs.dimensions as object)).toEqual(["ApiId"]);
  });

  it.each([
    ["subscriber-errors", "Errors"],
    ["subscriber-throttles", "Throttles"],
  ])("filegate-dev-%s: the subscriber's %s", (name, metric) => {
    expect(alarm(name).inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: metric,
      statistic: "Sum",
      threshold: 0,
    });
    expect(alarm(name).inputs.dimensions).toEqual({ FunctionName: functionName(app.subscriber()) });
  });

  it("filegate-dev-sweeper-errors: a failed sweep of expired upload intents", () => {
    expect(alarm("sweeper-errors").inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      threshold: 0,
      period: 900,
    });
    expect(alarm("sweeper-errors").inputs.dimensions).toEqual({
      FunctionName: functionName(app.job("SweepUploads")),
    });
  });

  it("filegate-dev-reconcile-errors: a failed reconciler run", () => {
    expect(alarm("reconcile-errors").inputs).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: functionName(app.job("Reconciler")) },
    });
  });
});

describe.each(FUNCTIONS.map((fn) => [fn.name, fn] as const))(
  "%s",
  (_, { handler, link, build }) => {
    it(`is linked to exactly ${link.join(" and ") || "nothing"}`, () => {
      const target = build();
      expect(target.handler).toBe(handler);
      expect(Object.keys(target.links).sort()).toEqual([...link].sort());
      for (const name of link) {
        expect(target.links[name]).toEqual(app.run.links[name]?.properties);
      }
    });

    it("reads from Resource only what it is linked to", async () => {
      const target = build();
      const read = new Set<string>();
      for (const source of target.sources) {
        const code = await readFile(join(ROOT, source), "utf8");
        for (const match of code.matchAll(/\bResource\.(\w+)/g)) read.add(match[1] as string);
      }
      expect([...read].sort()).toEqual([...link].sort());
    });

    it("gets the settings' defaults in its environment", () => {
      const variables = (app.lambda(build()).inputs.environment as { variables: object }).variables;
      expect(variables).toMatchObject({
        FILEGATE_TENANT_CLAIM: "tenant",
        FILEGATE_PRESIGN_EXPIRES: "300",
        FILEGATE_TOMBSTONE_DAYS: "30",
      });
    });

    it("its bundle loads as Lambda loads it: its environment, its links, nothing else", async () => {
      const target = build();
      const lambda = app.lambda(target);
      const { variables } = lambda.inputs.environment as { variables: Record<string, string> };
      const [file, name] = String(lambda.inputs.handler).split(".");
      const script = `const m = await import("./${file}.mjs"); if (typeof m.${name} !== "function") throw new Error("${name} is not a function");`;
      const env = {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...variables,
      };
      const { code, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
        cwd: target.out,
        env,
        inheritEnv: false,
      });
      expect(code, stderr).toBe(0);
      expect(stderr).toBe("");
    });
  },
);

describe("sst-env.d.ts", () => {
  it("declares the app's linkable resources exactly as `sst dev` and `sst deploy` write it", async () => {
    const files = renderSstEnv(app.run.links);
    expect([...files.keys()].map((file) => file.slice(ROOT.length + 1))).toContain("sst-env.d.ts");
    for (const [file, content] of files) {
      const committed = await readFile(file, "utf8").catch(() => "(missing)");
      expect(committed, `${file} is stale: run npm run sst:types`).toBe(content);
    }
  });
});

describe("the web console", () => {
  it("is a static site built with the API's URL, on CloudFront", async () => {
    app.component("sst:aws:StaticSite", "Console");
    const builder = app.one("command:local:Command", (r) => r.name === "ConsoleBuilder");
    const endpoint = app.one("aws:apigatewayv2/api:Api").state?.apiEndpoint;
    expect(endpoint).toMatch(/^https:\/\//);
    expect(builder.inputs).toMatchObject({
      create: "node --import tsx build.ts",
      dir: join(ROOT, "packages/console"),
      environment: { FILEGATE_API_URL: endpoint },
    });
    // The build ran as a deploy runs it: what it wrote is what is uploaded.
    const config = JSON.parse(
      await readFile(join(ROOT, "packages/console/dist/config.json"), "utf8"),
    );
    expect(config).toEqual({ apiUrl: endpoint });
    app.one("aws:cloudfront/distribution:Distribution", (r) => r.name === "ConsoleCdnDistribution");
  });

  it("uploads the page and config.json to be asked again, the hashed bundles to be cached", () => {
    const upload = app.one("pulumi-nodejs:dynamic:Resource", (r) =>
      r.name.startsWith("ConsoleAssetFiles"),
    );
    const files = upload.inputs.files as { key: string; cacheControl: string }[];
    const cache = Object.fromEntries(files.map((file) => [file.key, file.cacheControl]));
    expect(cache["index.html"]).toMatch(/no-cache/);
    expect(cache["config.json"]).toMatch(/no-cache/);
    const bundles = Object.keys(cache).filter((key) => /^app-[A-Z0-9]+\.(js|css)$/.test(key));
    expect(bundles).toHaveLength(2);
    for (const key of bundles) expect(cache[key]).toMatch(/immutable/);
  });
});
