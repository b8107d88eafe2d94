import { ROUTES } from "@filegate/functions/routes";
import { JOBS } from "@filegate/functions/workers";
import { reconcilerEvent, SCHEDULED_EVENT } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ROUTE_TIMEOUT_SECONDS } from "../../packages/local/src/api";
import { type Deployment, mockDeployment } from "./deployment";

/**
 * The local stack invokes the scheduled jobs with the event their schedules send on AWS: the
 * input SST gives each EventBridge Scheduler target, read from the app run under Pulumi's mocks;
 * and it times route functions out when AWS would.
 */
let app: Deployment;
beforeAll(async () => {
  app = await mockDeployment({ stage: "dev", bundle: false });
}, 180_000);
afterAll(() => app?.dispose());

describe("scheduled jobs", () => {
  it.each(Object.keys(JOBS))("the %s schedule sends the event the local stack sends", (name) => {
    const component = `${name[0]?.toUpperCase()}${name.slice(1)}`;
    const schedule = app.childOf("aws:scheduler/schedule:Schedule", component);
    const target = schedule.inputs.target as { input?: string };
    expect(JSON.parse(target.input ?? "null")).toEqual(SCHEDULED_EVENT);
    expect(reconcilerEvent()).toEqual(SCHEDULED_EVENT);
  });
});

describe("route functions", () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s times out locally when its Lambda function does",
    (_name, route) => {
      const fn = app.lambda(app.route(route.method, route.path).handler);
      expect(Number(fn.inputs.timeout)).toBe(route.timeoutSeconds ?? DEFAULT_ROUTE_TIMEOUT_SECONDS);
    },
  );
});
