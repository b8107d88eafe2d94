import { type Declarations, readerOf, setting } from "./declare";
import { wholeNumber } from "./numbers";

/**
 * Settings of the event pipeline and the reconciler. The infra sets each on the one function
 * that reads it, as it follows from how the queue and the schedule are built: no stage sets
 * them, so they have no secret.
 */
export const OPERATIONS_SETTINGS = {
  /** deliveries of an event before it is dead-lettered (the queue's `maxReceiveCount`) */
  maxReceiveCount: setting(
    "FILEGATE_MAX_RECEIVE_COUNT",
    "5",
    (variable) => wholeNumber(variable, 1, 1000),
    Number,
  ),
  /** age, seconds, under which the reconciler leaves an object to its event */
  reconcileGraceSeconds: setting(
    "FILEGATE_RECONCILE_GRACE_SECONDS",
    "120",
    (variable) => wholeNumber(variable, 0, 86_400),
    Number,
  ),
} satisfies Declarations;

/** Settings of the event pipeline and the reconciler (set by the infra, not by users). */
export interface OperationsSettings {
  /** Deliveries of an event before the queue dead-letters it (the queue's `maxReceiveCount`). */
  maxReceiveCount: number;
  /** Objects written more recently than this are left to their events by the reconciler. */
  reconcileGraceSeconds: number;
}

/**
 * Parses the operations settings ({@link OPERATIONS_SETTINGS}) from an environment.
 *
 * @example loadOperationsSettings({}).maxReceiveCount // 5
 */
export const loadOperationsSettings: (
  env: Record<string, string | undefined>,
) => OperationsSettings = readerOf(OPERATIONS_SETTINGS);
