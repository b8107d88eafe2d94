import { JOBS, type JobDefinition } from "@filegate/functions/workers";
import type { Context } from "aws-lambda";
import { importHandler } from "./handlers";
import { lambdaContext } from "./lambda";
import { SCHEDULED_EVENT } from "./reconcile";

/** The name of a scheduled job (`JOBS`, in the functions' `workers.ts`). */
export type JobName = keyof typeof JOBS;

type JobHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The local stand-in for the jobs' schedules: loads each job's handler, runs those meant to
 * run locally once now and then every `intervalMs` (0: only now), and returns how to run any
 * job at will. Each run gets the schedule's event and a context of the job's timeout.
 */
export async function startJobs(options: {
  intervalMs: number;
  log(line: string): void;
  /** Where the timer's stop goes. */
  cleanup: Array<() => Promise<void>>;
}): Promise<(name: JobName) => Promise<unknown>> {
  const handlers = Object.fromEntries(
    await Promise.all(
      Object.entries(JOBS).map(async ([name, job]) => [
        name,
        (await importHandler(job.handler)) as JobHandler,
      ]),
    ),
  ) as Record<JobName, JobHandler>;
  /** Invokes a job as its schedule does: the schedule's event, a context of its timeout. */
  const runJob = async (name: JobName) =>
    handlers[name](
      SCHEDULED_EVENT,
      lambdaContext(`filegate-local-${name}`, JOBS[name].timeoutMinutes * 60_000),
    );
  const timed = (Object.keys(JOBS) as JobName[]).filter((name) => {
    const job: JobDefinition = JOBS[name];
    return job.local !== false;
  });
  const runTimedJobs = () => {
    for (const name of timed) {
      runJob(name).catch((error: Error) => options.log(`job ${name} failed: ${error.message}`));
    }
  };
  runTimedJobs();
  if (options.intervalMs > 0) {
    const timer = setInterval(runTimedJobs, options.intervalMs);
    timer.unref();
    options.cleanup.push(async () => clearInterval(timer));
  }
  return runJob;
}
