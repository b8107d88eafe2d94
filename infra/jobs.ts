import { JOBS } from "../packages/functions/src/routes";
import { functionEnvironment } from "./config";
import { links } from "./links";

/** Scheduled jobs of the route table's `JOBS`, each a function on a schedule. */
export const jobs = Object.fromEntries(
  Object.entries(JOBS).map(([name, job]) => [
    name,
    new sst.aws.CronV2(`${name[0]?.toUpperCase()}${name.slice(1)}`, {
      schedule: job.schedule,
      function: {
        handler: job.handler,
        link: job.link.map((link) => links[link]),
        timeout: "5 minutes",
        environment: functionEnvironment,
      },
    }),
  ]),
);
