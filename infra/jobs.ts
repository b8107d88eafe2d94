import { JOBS } from "../packages/functions/src/workers";
import { environmentWith } from "./config";
import { links, permissionsFor } from "./links";

function cron(name: keyof typeof JOBS) {
  const job = JOBS[name];
  return new sst.aws.CronV2(`${name[0]?.toUpperCase()}${name.slice(1)}`, {
    schedule: job.schedule,
    function: {
      handler: job.handler,
      link: job.link.map((link) => links[link]),
      permissions: permissionsFor(job.access),
      // EventBridge Scheduler invokes asynchronously, and Lambda runs a failed asynchronous
      // invocation up to twice more (its default), a minute or two apart: a reconciler run
      // that failed at its 15-minute timeout would be done over for up to 45 minutes of the
      // hour, and a sweep would run beside the next one. The schedule is the retry: the next
      // run goes on where the last one stopped (the reconciler's checkpoint).
      retries: 0,
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
/** Queues again, every minute, the webhook messages the queue refused. */
export const drainWebhookOutbox = cron("drainWebhookOutbox");
