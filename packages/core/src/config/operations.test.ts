import { describe, expect, it } from "vitest";
import { loadOperationsSettings } from "./operations";

describe("loadOperationsSettings", () => {
  it("defaults to five deliveries and two minutes of grace", () => {
    expect(loadOperationsSettings({})).toEqual({ maxReceiveCount: 5, reconcileGraceSeconds: 120 });
  });
  it("reads overrides and refuses bad values", () => {
    expect(
      loadOperationsSettings({
        FILEGATE_MAX_RECEIVE_COUNT: "3",
        FILEGATE_RECONCILE_GRACE_SECONDS: "0",
      }),
    ).toEqual({ maxReceiveCount: 3, reconcileGraceSeconds: 0 });
    expect(() =>
      loadOperationsSettings({
        FILEGATE_MAX_RECEIVE_COUNT: "0",
        FILEGATE_RECONCILE_GRACE_SECONDS: "soon",
      }),
    ).toThrow(/MAX_RECEIVE_COUNT must be at least 1; FILEGATE_RECONCILE_GRACE_SECONDS must be a/);
  });
});
