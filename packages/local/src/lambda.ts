import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/**
 * A Lambda context for a local invocation: `getRemainingTimeInMillis` counts down from the
 * function's timeout, as on AWS, so handlers that plan around their deadline behave alike.
 */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** What a run past its timeout settles with. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * Runs an invocation with Lambda's deadline: resolves with its result, or with
 * {@link TIMED_OUT} once `timeoutMs` have passed (the invocation is left to finish unheard,
 * as a frozen Lambda environment's would be).
 */
export async function withTimeout<T>(
  invocation: Promise<T>,
  timeoutMs: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([invocation, deadline]);
  } finally {
    clearTimeout(timer);
    invocation.catch(() => {});
  }
}
