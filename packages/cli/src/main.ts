import { Command, CommanderError, Option } from "commander";
import { printAudit, usage } from "./commands/audit";
import { head, ls, rm } from "./commands/files";
import { get } from "./commands/get";
import { put } from "./commands/put";
import { token } from "./commands/token";
import { addWebhookCommands } from "./commands/webhooks";
import {
  type Context,
  contextFrom,
  errorJson,
  errorLine,
  type GlobalFlags,
  positiveInteger,
  VERSION,
} from "./context";
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from "./exit-codes";

/** Where actions leave their exit code for the `postAction` hook. */
interface Outcome {
  exitCode: number;
}

/** Wraps a command that needs the API: builds its context from the global flags. */
type WithClient = <A extends unknown[]>(
  run: (ctx: Context, ...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/**
 * The `filegate` command line. Each action resolves to the exit code; `main` sets it, so
 * output is flushed before the process ends.
 */
function program(): Command {
  const outcome: Outcome = { exitCode: 0 };
  const cli = rootCommand();
  const withClient = clientAction(outcome);
  addFileCommands(cli, withClient);
  addAuditCommands(cli, withClient);
  addWebhookCommands(cli, withClient);
  addTokenCommand(cli, outcome);
  cli.hook("postAction", () => {
    process.exitCode = outcome.exitCode;
  });
  return cli;
}

/** The program itself: global flags, help and version. */
function rootCommand(): Command {
  return new Command("filegate")
    .description("List, fetch, upload, delete and audit files in Filegate; manage webhooks.")
    .version(VERSION)
    .option("--url <url>", "API base URL (default: $FILEGATE_URL, else the local stack's)")
    .option(
      "--token <jwt>",
      "bearer token (default: $FILEGATE_TOKEN, else the local stack's dev token)",
    )
    .option("--json", "print JSON on stdout, for scripts")
    .showHelpAfterError("(filegate --help lists the commands and options)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Configuration: flags first, then FILEGATE_URL / FILEGATE_TOKEN, then the local stack's
.filegate/local.json (its apiUrl and devToken; FILEGATE_DIR may point to another folder).

${EXIT_CODES_HELP}`,
    );
}

/** Runs a command that needs the API, with the global flags. */
function clientAction(outcome: Outcome): WithClient {
  return (run) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const ctx = await contextFrom(command.optsWithGlobals<GlobalFlags>());
      try {
        outcome.exitCode = await run(ctx, ...args);
      } finally {
        ctx.reporter.stop();
      }
    };
}

/** `--concurrency <n>`, shared by the commands that transfer files. */
function concurrency(): Option {
  return new Option("--concurrency <n>", "transfers at once")
    .default(4)
    .argParser(positiveInteger("--concurrency"));
}

/** `ls`, `get`, `put`, `rm` and `head`. */
function addFileCommands(cli: Command, withClient: WithClient): void {
  cli
    .command("ls")
    .description("list files, in key order")
    .argument("[prefix]", "only keys starting with this")
    .action(withClient((ctx, prefix: string | undefined) => ls(ctx, prefix)));

  cli
    .command("get")
    .description("download a file (to FILE, or stdout with -); with -r, a whole prefix")
    .argument("<key>", "the file's key (ending in / for a prefix)")
    .argument("[file]", "where to write: a path, a directory, or - for stdout")
    .option("-r, --recursive", "download every file under the prefix KEY into the directory FILE")
    .addOption(concurrency())
    .action(
      withClient((ctx, key: string, file: string | undefined, options) =>
        get(ctx, key, file, options),
      ),
    );

  cli
    .command("put")
    .description("upload a file, a directory tree, or stdin (-)")
    .argument("<file>", "a file, a directory (uploaded recursively), or - for stdin")
    .argument("[key]", "the key (default: the file's name); for a directory, the prefix")
    .option("--content-type <type>", "media type (default: from the file name)")
    .option("--create-only", "refuse to overwrite: fail with exit code 5 if the key exists")
    .option("--no-wait", "do not wait for the index to list the upload")
    .addOption(concurrency())
    .action(
      withClient((ctx, file: string, key: string | undefined, options) =>
        put(ctx, file, key, options),
      ),
    );

  cli
    .command("rm")
    .description("delete files")
    .argument("<keys...>", "keys to delete")
    .option("-r, --recursive", "delete every file under each prefix")
    .option("--no-wait", "do not wait for the index to drop the files")
    .addOption(concurrency())
    .action(withClient((ctx, keys: string[], options) => rm(ctx, keys, options)));

  cli
    .command("head")
    .description("show a file's size, type, ETag and modification time")
    .argument("<key>")
    .action(withClient((ctx, key: string) => head(ctx, key)));
}

/** `history`, `audit` and `usage`. */
function addAuditCommands(cli: Command, withClient: WithClient): void {
  cli
    .command("history")
    .description("a file's audit trail: every grant and storage event, oldest first")
    .argument("<key>")
    .action(withClient((ctx, key: string) => printAudit(ctx, ctx.client.history(key), false)));

  cli
    .command("audit")
    .description("the tenant's audit trail, oldest first")
    .option("--from <time>", "ISO 8601 start time (inclusive)")
    .option("--to <time>", "ISO 8601 end time (inclusive)")
    .option("--actor <sub>", "only what this actor did")
    .addOption(
      new Option("--action <action>", "only this kind of action").choices([
        "read",
        "write",
        "delete",
      ]),
    )
    .option("--key <key>", "only this file")
    .option("--tenant <tenant>", "another tenant, or * for all (needs audit:read:all)")
    .action(withClient((ctx, options) => printAudit(ctx, ctx.client.audit(options), true)));

  cli
    .command("usage")
    .description("the tenant's usage and limits")
    .action(withClient((ctx) => usage(ctx)));
}

/** `token`: signs a token for the local stack (no API needed). */
function addTokenCommand(cli: Command, outcome: Outcome): void {
  cli
    .command("token")
    .description("print a token for the local stack (like npm run token)")
    .requiredOption("--tenant <tenant>", "the tenant claim")
    .requiredOption("--sub <sub>", "the subject (actor)")
    .option("--scope <scope...>", "extra rights, such as audit:read:all")
    .addOption(
      new Option("--expires-in <seconds>", "lifetime")
        .default(3600)
        .argParser(positiveInteger("--expires-in")),
    )
    .action(async (options) => {
      outcome.exitCode = await token(options);
    });
}

async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`filegate get big.bin - | head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  const cli = program();
  try {
    await cli.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; every other parse error is a usage error.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = exitCodeOf(error);
    const json = cli.opts<GlobalFlags>().json || argv.includes("--json");
    process.stderr.write(
      json ? `${JSON.stringify({ error: errorJson(error) })}\n` : `filegate: ${errorLine(error)}\n`,
    );
  }
}

await main(process.argv);
