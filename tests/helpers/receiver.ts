import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One POST a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A real HTTP webhook receiver on a free port of 127.0.0.1: it keeps every request and answers
 * each with the status `answer` returns (200 by default). It can be stopped and started again
 * on the same port (a receiver that is down for a while).
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received, index: number) => number = () => 200;
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const got = {
          headers: request.headers,
          body: Buffer.concat(chunks).toString(),
          at: Date.now(),
        };
        this.received.push(got);
        response.writeHead(this.answer(got, this.received.length - 1)).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The parsed bodies received, in order. */
  events(): Array<{ type: string; timestamp: string; data: Record<string, unknown> }> {
    return this.received.map((request) => JSON.parse(request.body));
  }

  /** Resolves once `count` requests arrived (or throws after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 20_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`receiver got ${this.received.length} of ${count} requests`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received;
  }
}
