import { z } from "zod";
import { parseEnvironment } from "./env";

const OperationsSchema = z.object({
  FILEGATE_MAX_RECEIVE_COUNT: z.coerce
    .number({ error: "FILEGATE_MAX_RECEIVE_COUNT must be a number" })
    .int("FILEGATE_MAX_RECEIVE_COUNT must be a whole number")
    .min(1, "FILEGATE_MAX_RECEIVE_COUNT must be at least 1")
    .max(1000, "FILEGATE_MAX_RECEIVE_COUNT must be at most 1000")
    .default(5),
  FILEGATE_RECONCILE_GRACE_SECONDS: z.coerce
    .number({ error: "FILEGATE_RECONCILE_GRACE_SECONDS must be a number" })
    .int("FILEGATE_RECONCILE_GRACE_SECONDS must be a whole number")
    .min(0, "FILEGATE_RECONCILE_GRACE_SECONDS must be at least 0")
    .max(86_400, "FILEGATE_RECONCILE_GRACE_SECONDS must be at most 86400")
    .default(120),
});

/** Settings of the event pipeline and the reconciler (set by the infra, not by users). */
export interface OperationsSettings {
  /** Deliveries of an event before the queue dead-letters it (the queue's `maxReceiveCount`). */
  maxReceiveCount: number;
  /** Objects written more recently than this are left to their events by the reconciler. */
  reconcileGraceSeconds: number;
}

/**
 * Parses the operations settings from an environment:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `FILEGATE_MAX_RECEIVE_COUNT` | 5 | deliveries before an event is dead-lettered |
 * | `FILEGATE_RECONCILE_GRACE_SECONDS` | 120 | age under which the reconciler leaves an object to its event |
 *
 * @example loadOperationsSettings({}).maxReceiveCount // 5
 */
export function loadOperationsSettings(
  env: Record<string, string | undefined>,
): OperationsSettings {
  const parsed = parseEnvironment(OperationsSchema, env);
  return {
    maxReceiveCount: parsed.FILEGATE_MAX_RECEIVE_COUNT,
    reconcileGraceSeconds: parsed.FILEGATE_RECONCILE_GRACE_SECONDS,
  };
}
