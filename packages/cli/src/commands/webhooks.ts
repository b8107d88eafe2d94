import type { WebhookEventType } from "@filegate/client";
import type { Command } from "commander";
import type { Context } from "../context";
import { formatTime, printColumns, printJson } from "../format";

type WithClient = <A extends unknown[]>(
  run: (ctx: Context, ...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** `filegate webhooks ls|add|rm|deliveries|replay`: the tenant's webhook endpoints. */
export function addWebhookCommands(cli: Command, withClient: WithClient): void {
  const webhooks = cli.command("webhooks").description("the tenant's webhook endpoints");
  webhooks
    .command("ls")
    .description("list the endpoints")
    .action(withClient((ctx) => list(ctx)));
  webhooks
    .command("add")
    .description("register an endpoint; prints its signing secret (shown this once)")
    .argument("<url>", "https URL (the local stack also takes http://127.0.0.1 and localhost)")
    .option("--events <event...>", "only these events (default: all)")
    .option("--description <text>")
    .action(withClient((ctx, url: string, options: AddOptions) => add(ctx, url, options)));
  webhooks
    .command("rm")
    .description("remove an endpoint")
    .argument("<id>")
    .action(
      withClient(async (ctx, id: string) => {
        await ctx.client.webhooks.delete(id);
        if (ctx.json) printJson({ deleted: id });
        return 0;
      }),
    );
  webhooks
    .command("deliveries")
    .description("an endpoint's latest delivery attempts, newest first")
    .argument("<id>")
    .action(withClient((ctx, id: string) => deliveries(ctx, id)));
  webhooks
    .command("replay")
    .description("send the events of a time range again (with their original webhook-id)")
    .argument("<id>")
    .requiredOption("--from <time>", "ISO 8601 start time (inclusive)")
    .option("--to <time>", "ISO 8601 end time (inclusive; default now)")
    .action(
      withClient(async (ctx, id: string, options: { from: string; to?: string }) => {
        const queued = await ctx.client.webhooks.replay(id, options);
        if (ctx.json) printJson({ queued });
        else process.stdout.write(`${queued} event${queued === 1 ? "" : "s"} queued\n`);
        return 0;
      }),
    );
}

interface AddOptions {
  events?: string[];
  description?: string;
}

async function add(ctx: Context, url: string, options: AddOptions): Promise<number> {
  const endpoint = await ctx.client.webhooks.create({
    url,
    ...(options.events ? { events: options.events as WebhookEventType[] } : {}),
    ...(options.description ? { description: options.description } : {}),
  });
  if (ctx.json) printJson(endpoint);
  else
    printColumns([
      ["id", endpoint.id],
      ["url", endpoint.url],
      ["events", endpoint.events.join(", ")],
      ["secret", endpoint.secret],
    ]);
  return 0;
}

async function list(ctx: Context): Promise<number> {
  const endpoints = await ctx.client.webhooks.list();
  if (ctx.json) printJson(endpoints);
  else {
    printColumns(
      endpoints.map((endpoint) => [
        endpoint.id,
        endpoint.enabled ? "enabled" : "disabled",
        endpoint.url,
        endpoint.events.join(","),
      ]),
    );
  }
  return 0;
}

async function deliveries(ctx: Context, id: string): Promise<number> {
  const attempts = await ctx.client.webhooks.deliveries(id);
  if (ctx.json) printJson(attempts);
  else {
    printColumns(
      attempts.map((attempt) => [
        formatTime(attempt.time),
        attempt.eventType,
        `#${attempt.attempt}`,
        attempt.status,
        attempt.responseCode ? String(attempt.responseCode) : "-",
        `${attempt.latencyMs} ms`,
        attempt.messageId,
      ]),
    );
  }
  return 0;
}
