/**
 * AWS list prices, us-east-1, on-demand, in US dollars: the one table every cost figure of the
 * benchmarks is computed from. Free tiers and volume discounts are left out.
 */
export const PRICES = {
  /** API Gateway HTTP API, per request (first 300 million a month). */
  apiRequest: 1.0 / 1e6,
  /** Lambda, x86_64 (SST's default architecture), per GB-second. */
  lambdaGbSecond: 0.0000166667,
  /** Lambda, per invocation. */
  lambdaRequest: 0.2 / 1e6,
  /** SQS standard queue, per request (each 64 KB of payload is one). */
  sqsRequest: 0.4 / 1e6,
  /** DynamoDB on-demand, standard table class, per write request unit. */
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand, standard table class, per read request unit. */
  dynamoReadUnit: 0.125 / 1e6,
  /** S3 Standard PUT, COPY, POST, LIST requests. */
  s3Put: 0.005 / 1000,
  /** S3 Standard GET, HEAD and other requests (DELETE is free). */
  s3Get: 0.0004 / 1000,
} as const;

/** Lambda memory of the API and subscriber functions: SST's default, 1,024 MB. */
export const LAMBDA_MEMORY_GB = 1;

/** What a stretch of traffic used, in the units AWS bills. */
export interface Usage {
  apiRequests: number;
  lambdaInvocations: number;
  /** Each invocation's duration in milliseconds (billed rounded up to 1 ms). */
  lambdaMs: number[];
  sqsRequests: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  s3Puts: number;
  s3Gets: number;
}

/** Dollars per line of the bill, and the total. */
export type CostBreakdown = Record<
  "API Gateway" | "Lambda" | "SQS" | "DynamoDB writes" | "DynamoDB reads" | "S3 requests",
  number
> & { total: number };

/** What `usage` costs at {@link PRICES}. */
export function costOf(usage: Usage): CostBreakdown {
  const gbSeconds = usage.lambdaMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0) / 1000;
  const lines = {
    "API Gateway": usage.apiRequests * PRICES.apiRequest,
    Lambda:
      gbSeconds * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecond +
      usage.lambdaInvocations * PRICES.lambdaRequest,
    SQS: usage.sqsRequests * PRICES.sqsRequest,
    "DynamoDB writes": usage.dynamoWriteUnits * PRICES.dynamoWriteUnit,
    "DynamoDB reads": usage.dynamoReadUnits * PRICES.dynamoReadUnit,
    "S3 requests": usage.s3Puts * PRICES.s3Put + usage.s3Gets * PRICES.s3Get,
  };
  const total = Object.values(lines).reduce((sum, dollars) => sum + dollars, 0);
  return { ...lines, total };
}

/** `breakdown` scaled by `factor` (from a sample to a million uploads). */
export function scaleCost(breakdown: CostBreakdown, factor: number): CostBreakdown {
  return Object.fromEntries(
    Object.entries(breakdown).map(([line, dollars]) => [line, dollars * factor]),
  ) as CostBreakdown;
}
