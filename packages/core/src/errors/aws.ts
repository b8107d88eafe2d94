import { Errors } from "./catalogue";

const THROTTLING = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
  "ServiceUnavailable",
]);

/**
 * Maps an AWS SDK error to a catalogued error where the caller can act on it (throttling
 * becomes a retryable 503); anything else is returned unchanged and ends as a 500.
 */
export function fromAwsError(error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === "string" && THROTTLING.has(name)) {
    return Errors.serviceUnavailable("The service is busy, retry shortly", error);
  }
  return error;
}

/** Awaits an SDK call, turning the errors a caller can act on into catalogued ones. */
export async function aws<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw fromAwsError(error);
  }
}

/** True when an AWS SDK error is a failed DynamoDB condition. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";
}
