import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";

/** What one POST to a receiver came to. */
export interface SendResult {
  /** 2xx: delivered. */
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
}

export interface SendOptions {
  url: URL;
  /** The address checked by `resolveTarget`: the connection goes there, never to a new lookup. */
  address: string;
  family: 4 | 6;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Bytes of the answer read at most (the rest is dropped with the connection). */
  maxResponseBytes: number;
}

/** Whole-delivery timeout: connecting, sending and the answer (Standard Webhooks advises short ones). */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failure), the answer is read up to
 * `maxResponseBytes`, and the whole exchange must end within `timeoutMs`. Never throws.
 */
export function sendWebhook(options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { url, address, family } = options;
  const lookup: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const request = send(
      url,
      {
        method: "POST",
        lookup,
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(options.body),
          "user-agent": "Filegate-Webhooks/1",
          ...options.headers,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        const done = () => finish({ ok: status >= 200 && status < 300, status });
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read >= options.maxResponseBytes) {
            done();
            response.destroy();
          }
        });
        response.on("end", done);
        response.on("error", done);
        response.on("close", done);
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error) => finish({ ok: false, error: error.message }));
    request.end(options.body);
  });
}
