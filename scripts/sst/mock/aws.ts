/**
 * Stand-ins for what AWS and the AWS provider would answer: the outputs of created resources
 * (ids, ARNs, URLs) and the provider functions SST calls (region, partition, caller identity,
 * IAM policy documents). Well-formed, deterministic values; nothing is contacted.
 */

export const ACCOUNT = "123456789012";

type Props = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;
const count = (value: unknown, fallback: number) => (typeof value === "number" ? value : fallback);

/** The id and outputs AWS would give a new resource of this type. */
export function fakeResourceState(
  type: string,
  name: string,
  inputs: Props,
  region: string,
): { id: string; state: Props } {
  const slug = name.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const physical = text(inputs.name) ?? slug;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = text(inputs.bucket) ?? `${slug}-bucket`;
      return {
        id: bucket,
        state: {
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${physical}`;
      return {
        id: url,
        state: { name: physical, url, arn: `arn:aws:sqs:${region}:${ACCOUNT}:${physical}` },
      };
    }
    case "aws:dynamodb/table:Table": {
      const arn = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${physical}`;
      return { id: physical, state: { name: physical, arn, streamArn: `${arn}/stream/mock` } };
    }
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${physical}`;
      return {
        id: physical,
        state: {
          name: physical,
          arn,
          qualifiedArn: `${arn}:$LATEST`,
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        },
      };
    }
    case "aws:apigatewayv2/api:Api":
      return {
        id: `${slug}-id`,
        state: {
          apiEndpoint: `https://${slug}-id.execute-api.${region}.amazonaws.com`,
          executionArn: `arn:aws:execute-api:${region}:${ACCOUNT}:${slug}-id`,
        },
      };
    case "aws:iam/role:Role":
      return {
        id: physical,
        state: { name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` },
      };
    case "random:index/randomBytes:RandomBytes": {
      const bytes = Buffer.alloc(count(inputs.length, 32), 1);
      return { id: slug, state: { base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
    }
    case "random:index/randomString:RandomString":
      return { id: slug, state: { result: "x".repeat(count(inputs.length, 8)) } };
    default: {
      if (!type.startsWith("aws:")) return { id: `${slug}-id`, state: {} };
      const service = type.slice("aws:".length).split("/")[0];
      return {
        id: `${slug}-id`,
        state: { name: physical, arn: `arn:aws:${service}:${region}:${ACCOUNT}:${physical}` },
      };
    }
  }
}

/** The answer of an AWS provider function (`aws.getRegion()`, `aws.iam.getPolicyDocument()`...). */
export function fakeCall(token: string, inputs: Props, region: string): Props {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        id: region,
        name: region,
        region,
        description: region,
        endpoint: `ec2.${region}.amazonaws.com`,
      };
    case "aws:index/getPartition:getPartition":
      return {
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        id: ACCOUNT,
        accountId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:user/mock`,
        userId: "MOCK",
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      // SST reads `statements` back from the result: without them it drops inline policies.
      // The real provider returns none for an empty list.
      const statements = Array.isArray(inputs.statements) ? inputs.statements : [];
      return {
        ...inputs,
        statements: statements.length > 0 ? statements : undefined,
        id: "policy",
        json: JSON.stringify(policyJson(inputs.version, statements)),
      };
    }
    default:
      throw new Error(`mock: no answer for provider function ${token}`);
  }
}

interface StatementInput {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** The IAM JSON the provider renders from getPolicyDocument's inputs. */
export function policyJson(version: unknown, statements: StatementInput[]) {
  const one = (values: string[]) => (values.length === 1 ? values[0] : values);
  return {
    Version: text(version) ?? "2012-10-17",
    Statement: statements.map((s) => {
      const out: Props = { ...(s.sid ? { Sid: s.sid } : {}), Effect: s.effect ?? "Allow" };
      if (s.actions) out.Action = one(s.actions);
      if (s.notActions) out.NotAction = one(s.notActions);
      if (s.resources) out.Resource = one(s.resources);
      if (s.notResources) out.NotResource = one(s.notResources);
      if (s.principals) {
        out.Principal = Object.fromEntries(s.principals.map((p) => [p.type, one(p.identifiers)]));
      }
      if (s.conditions) {
        const condition: Record<string, Props> = {};
        for (const c of s.conditions) {
          condition[c.test] = { ...condition[c.test], [c.variable]: one(c.values) };
        }
        out.Condition = condition;
      }
      return out;
    }),
  };
}
