import * as z from "zod/mini";
import { parseEnvironment } from "./env";
import { wholeNumber } from "./numbers";

const OperationsSchema = z.object({
  FILEGATE_MAX_RECEIVE_COUNT: z._default(wholeNumber("FILEGATE_MAX_RECEIVE_COUNT", 1, 1000), "5"),
  FILEGATE_RECONCILE_GRACE_SECONDS: z._default(
    wholeNumber("FILEGATE_RECONCILE_GRACE_SECONDS", 0, 86_400),
    "120",
  ),
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
    maxReceiveCount: Number(parsed.FILEGATE_MAX_RECEIVE_COUNT),
    reconcileGraceSeconds: Number(parsed.FILEGATE_RECONCILE_GRACE_SECONDS),
  };
}
