import { SETTINGS, secretOf } from "@filegate/core/config";
import { ROUTES } from "@filegate/functions/routes";
import { JOBS, SUBSCRIBER } from "@filegate/functions/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT } from "../../scripts/sst/mock/aws";
import {
  appFunctions,
  type Deployment,
  declaredGrants,
  grants,
  mockDeployment,
  REQUIRED_SECRETS,
  runMock,
  statementsOf,
} from "./deployment";

/**
 * The app on other stages and in other modes, run offline under Pulumi's mocks (all at once:
 * each run is its own process): production with its own settings, a personal stage in
 * `sst dev`, and stages whose settings are wrong. Handlers are only checked, not bundled:
 * deploy.test.ts bundles them.
 */
const PRODUCTION_SECRETS = {
  JwtIssuer: "https://login.example.com/filegate/",
  JwtAudiences: " web-app , cli ",
  TenantClaim: "custom:org",
  PresignExpires: "60",
  TombstoneDays: "7",
  PartSize: "16777216",
  MultipartHours: "48",
};

/** Settings a stage must not deploy with, and what SST must say about each. */
const WRONG_SECRETS = {
  JwtIssuer: "http://login.example.com/",
  JwtAudiences: " , ",
  TenantClaim: "org id",
  PresignExpires: "10m",
  PartSize: "1048576",
};
const PROBLEMS = [
  [
    "an issuer that is not an https URL",
    'JwtIssuer must be an https URL, not "http://login.example.com/"',
  ],
  ["no audience", 'JwtAudiences must name at least one audience, not " , "'],
  [
    "a tenant claim that is not a claim name",
    'TenantClaim "org id": FILEGATE_TENANT_CLAIM must be a claim name',
  ],
  [
    "a presign expiry that is not a number",
    'PresignExpires "10m": FILEGATE_PRESIGN_EXPIRES must be a number',
  ],
  [
    "a part size under S3's least part",
    'PartSize "1048576": FILEGATE_PART_SIZE must be at least 5242880 (5 MiB)',
  ],
] as const;

let production: Deployment;
let live: Deployment;
type Refusal = { code: number | null; stderr: string };
let refused: Refusal;
let unset: Refusal;
let longLived: Refusal;
beforeAll(async () => {
  [production, live, refused, unset, longLived] = await Promise.all([
    mockDeployment({ stage: "production", secrets: PRODUCTION_SECRETS, bundle: false }),
    mockDeployment({ stage: "alice", mode: "dev", bundle: false }),
    runMock({ stage: "dev", secrets: WRONG_SECRETS, bundle: false }),
    runMock({ stage: "dev", secrets: {}, bundle: false }),
    runMock({
      stage: "dev",
      secrets: { ...REQUIRED_SECRETS, PresignExpires: "3600" },
      bundle: false,
    }),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([production?.dispose(), live?.dispose()]);
});

describe("stage production", () => {
  it("keeps the bucket and the table when the stage is removed", () => {
    expect(production.run.app.removal).toBe("retain");
    expect(production.one("aws:s3/bucket:Bucket").retainOnDelete).toBe(true);
    expect(production.one("aws:dynamodb/table:Table").retainOnDelete).toBe(true);
  });

  it("is protected: sst remove refuses it", () => {
    expect(production.run.app.protect).toBe(true);
    expect(production.run.outputs._protect).toBe(true);
  });

  it("keeps point-in-time recovery of the index", () => {
    const table = production.one("aws:dynamodb/table:Table");
    expect(table.inputs.pointInTimeRecovery).toEqual({ enabled: true });
  });

  it("verifies tokens of its own issuer, for each listed audience", () => {
    const authorizer = production.one("aws:apigatewayv2/authorizer:Authorizer");
    expect(authorizer.inputs.jwtConfiguration).toEqual({
      issuer: PRODUCTION_SECRETS.JwtIssuer,
      audiences: ["web-app", "cli"],
    });
  });

  it("gives every function its settings", () => {
    const functions = production.all("aws:lambda/function:Function");
    expect(functions).toHaveLength(ROUTES.length + 2 + Object.keys(JOBS).length);
    for (const fn of functions) {
      expect(fn.inputs.environment, fn.name).toMatchObject({
        variables: {
          FILEGATE_TENANT_CLAIM: "custom:org",
          FILEGATE_PRESIGN_EXPIRES: "60",
          FILEGATE_TOMBSTONE_DAYS: "7",
          FILEGATE_PART_SIZE: "16777216",
          FILEGATE_MULTIPART_HOURS: "48",
        },
      });
    }
  });

  it("gives every function each declared setting: its stage's secret, else its default", () => {
    const secrets: Record<string, string> = PRODUCTION_SECRETS;
    const expected = Object.fromEntries(
      Object.values(SETTINGS).map((setting) => [
        setting.variable,
        secrets[secretOf(setting.variable)] ?? setting.default,
      ]),
    );
    expect(Object.keys(expected)).toContain("FILEGATE_PART_SIZE");
    for (const fn of production.all("aws:lambda/function:Function")) {
      expect(fn.inputs.environment, fn.name).toMatchObject({ variables: expected });
    }
  });
});

describe("stage production's roles and alarms", () => {
  it.each(appFunctions(() => production).map((fn) => [fn.name, fn] as const))(
    "%s: its role trusts Lambda alone and holds its declared actions",
    (_, fn) => {
      const role = production.role(fn.target());
      expect(statementsOf(role.inputs.assumeRolePolicy)).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ]);
      const arns = {
        bucket: production.arnOf("aws:s3/bucket:Bucket"),
        table: production.arnOf("aws:dynamodb/table:Table"),
      };
      const own = production
        .policyStatements(fn.target())
        .flatMap(grants)
        .filter((grant) => !grant.startsWith("Allow sqs:"));
      expect(own.sort()).toEqual(declaredGrants(fn.access, arns));
    },
  );

  it("names its alarms after the stage", () => {
    const names = production
      .all("aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((alarm) => String(alarm.inputs.name));
    expect(names).toEqual(
      expect.arrayContaining([
        "filegate-production-api-5xx",
        "filegate-production-subscriber-errors",
        "filegate-production-subscriber-throttles",
        "filegate-production-sweeper-errors",
      ]),
    );
    for (const name of names) expect(name).toMatch(/^filegate-production-/);
  });
});

describe("sst dev on a personal stage", () => {
  // SST runs the handlers on the developer's machine with each function's role, which it
  // assumes with the developer's credentials: there, the role trusts the account too.
  it.each(appFunctions(() => live).map((fn) => [fn.name, fn] as const))(
    "%s: its role trusts Lambda and the account, and holds its declared actions plus what SST's bridge needs",
    (_, fn) => {
      const target = fn.target();
      const role = live.role(target);
      expect(statementsOf(role.inputs.assumeRolePolicy)).toEqual([
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: {
            Service: "lambda.amazonaws.com",
            AWS: `arn:aws:iam::${ACCOUNT}:root`,
          },
        },
      ]);
      const arns = {
        bucket: live.arnOf("aws:s3/bucket:Bucket"),
        table: live.arnOf("aws:dynamodb/table:Table"),
      };
      const assets = "arn:aws:s3:::sst-asset-mock-us-east-1";
      const bridge = ["Allow appsync:* *", `Allow s3:* ${assets}`, `Allow s3:* ${assets}/*`];
      const own = live
        .policyStatements(target)
        .flatMap(grants)
        .filter((grant) => !grant.startsWith("Allow sqs:"));
      expect(own.sort()).toEqual([...declaredGrants(fn.access, arns), ...bridge].sort());
    },
  );

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s runs its handler live on this machine, behind the authorizer the route table names",
    (_, { method, path, handler, link, auth }) => {
      const { route, handler: target } = live.route(method, path);
      expect(route.inputs.authorizerId).toBe(
        auth === "none" ? undefined : live.one("aws:apigatewayv2/authorizer:Authorizer").id,
      );
      expect(target.handler).toBe(handler);
      expect(target.errors.join("\n")).toBe("");
      expect(Object.keys(target.links).sort()).toEqual([...link].sort());
    },
  );

  it("runs the queue subscriber live on this machine", () => {
    const target = live.subscriber();
    expect(target.handler).toBe(SUBSCRIBER.handler);
    expect(target.errors.join("\n")).toBe("");
    expect(Object.keys(target.links).sort()).toEqual([...SUBSCRIBER.link].sort());
    const mapping = live.mappingOf("FileEvents");
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  it("deploys SST's bridge to Lambda, not the handlers", () => {
    const functions = live.all("aws:lambda/function:Function");
    expect(functions).toHaveLength(ROUTES.length + 2 + Object.keys(JOBS).length);
    for (const fn of functions) {
      expect(fn.inputs, fn.name).toMatchObject({
        handler: "bootstrap",
        runtime: "provided.al2023",
      });
    }
    expect(live.run.builds).toEqual([]);
  });

  it("removes the personal stage with its data", () => {
    expect(live.run.app.removal).toBe("remove");
    expect(live.one("aws:dynamodb/table:Table").retainOnDelete).toBeUndefined();
  });
});

describe("a stage with wrong settings", () => {
  it("does not deploy", () => {
    expect(refused.code, refused.stderr).toBe(1);
  });

  it.each(PROBLEMS)("names %s", (_, message) => {
    expect(refused.stderr).toContain(message);
  });
});

describe("a stage whose presigned URLs would outlive the functions' credentials", () => {
  it("does not deploy, and says the limit", () => {
    expect(longLived.code, longLived.stderr).toBe(1);
    expect(longLived.stderr).toContain(
      'PresignExpires "3600": FILEGATE_PRESIGN_EXPIRES must be at most 900',
    );
  });
});

describe("a stage without secrets", () => {
  it("does not deploy, and asks for exactly the two required ones", () => {
    expect(unset.code, unset.stderr).toBe(1);
    const asked = [...unset.stderr.matchAll(/sst secret set (\w+)/g)].map((match) => match[1]);
    expect(asked.sort(), unset.stderr).toEqual(["JwtAudiences", "JwtIssuer"]);
  });
});
