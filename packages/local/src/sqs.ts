import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One message an SQS client sent, with the delay it asked for. */
export interface SentMessage {
  queue: string;
  body: string;
  delaySeconds: number;
}

/** The local SQS endpoint: `queueUrl(name)` is what the functions' `Resource.<Queue>.url` holds. */
export interface LocalSqs {
  url: string;
  queueUrl(name: string): string;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * A local stand-in for the SQS API, as much of it as the functions use: `SendMessage` and
 * `SendMessageBatch` in SQS's JSON protocol (what AWS SDK v3 speaks), each message handed to
 * `onMessage`. Like SQS it refuses a body over 256 KB and a delay over 900 seconds; unlike it,
 * it checks no signature (IAM is not emulated: docs/deployment.md, parity table).
 */
export async function startLocalSqs(options: {
  onMessage(message: SentMessage): void;
}): Promise<LocalSqs> {
  const server = createServer((request, response) => {
    readBody(request)
      .then((text) => answer(request, response, text, options.onMessage))
      .catch((error: Error) =>
        reply(response, 400, sqsError("InvalidParameterValue", error.message)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    queueUrl: (name) => `${url}/000000000000/${name}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Entry {
  Id?: string;
  MessageBody?: string;
  DelaySeconds?: number;
}

function answer(
  request: IncomingMessage,
  response: ServerResponse,
  text: string,
  onMessage: (message: SentMessage) => void,
): void {
  const target = String(request.headers["x-amz-target"] ?? "");
  const input = JSON.parse(text || "{}") as { QueueUrl?: string; Entries?: Entry[] } & Entry;
  const queue = new URL(input.QueueUrl ?? "http://x/").pathname.split("/").pop() ?? "";
  if (!queue) {
    reply(response, 400, sqsError("QueueDoesNotExist", "QueueUrl is missing"));
    return;
  }
  const accept = (entry: Entry) => {
    const body = entry.MessageBody ?? "";
    const delaySeconds = entry.DelaySeconds ?? 0;
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new Error("MessageBody is over 256 KB");
    if (delaySeconds < 0 || delaySeconds > 900) throw new Error("DelaySeconds must be 0 to 900");
    onMessage({ queue, body, delaySeconds });
    return { MessageId: randomUUID(), MD5OfMessageBody: md5(body) };
  };
  if (target === "AmazonSQS.SendMessage") {
    reply(response, 200, accept(input));
  } else if (target !== "AmazonSQS.SendMessageBatch") {
    reply(response, 400, sqsError("InvalidAction", `${target} is not served locally`));
  } else if (!input.Entries?.length || input.Entries.length > 10) {
    reply(response, 400, sqsError("TooManyEntriesInBatchRequest", "1 to 10 entries"));
  } else {
    const Successful = input.Entries.map((entry) => ({ Id: entry.Id, ...accept(entry) }));
    reply(response, 200, { Successful, Failed: [] });
  }
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function sqsError(code: string, message: string) {
  return { __type: `com.amazonaws.sqs#${code}`, message };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 11 * MAX_BODY_BYTES) throw new Error("request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
