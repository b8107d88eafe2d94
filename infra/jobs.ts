import { JOBS } from "../packages/functions/src/routes";
import { environmentWith } from "./config";
import { links } from "./links";

function cron(name: keyof typeof JOBS) {
  const job = JOBS[name];
  return new sst.aws.CronV2(`${name[0]?.toUpperCase()}${name.slice(1)}`, {
    schedule: job.schedule,
    function: {
      handler: job.handler,
      link: job.link.map((link) => links[link]),
      timeout: `${job.timeoutMinutes} minutes`,
      ...("memoryMB" in job ? { memory: `${job.memoryMB} MB` as const } : {}),
      environment: environmentWith("environment" in job ? job.environment : {}),
    },
  });
}

/** Expires unused upload intents every 15 minutes. */
export const sweepUploads = cron("sweepUploads");
/** The reconciler: every hour, repairs the index from what the bucket holds. */
export const reconciler = cron("reconciler");
