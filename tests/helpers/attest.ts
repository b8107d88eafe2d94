import type { LocalStack } from "@filegate/local";
import { expect } from "vitest";

/** Calls of the local API for the attestation tests: tokens, JSON calls, presigned sends. */
export function apiOf(stack: LocalStack) {
  const api = stack.state.apiUrl;
  async function bearer(tenant: string, sub = "uploader", scope?: string) {
    return { Authorization: `Bearer ${await stack.token({ tenant, sub, scope })}` };
  }
  async function call(
    method: string,
    path: string,
    auth: Record<string, string>,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...auth,
        ...headers,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  /** The presigned request of a plain `PUT /files/{key}` or `DELETE`, as JSON. */
  async function grant(method: "PUT" | "DELETE", tenant: string, key: string, sub = "uploader") {
    const answer = await call(method, `/files/${key}`, await bearer(tenant, sub), undefined, {
      Accept: "application/json",
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as Signed;
  }
  async function setLimits(tenant: string, limits: Record<string, unknown>) {
    const admin = await bearer("ops", "admin", "tenants:admin");
    const response = await call("PUT", `/tenants/${tenant}/limits`, admin, limits);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
  async function usage(tenant: string) {
    return (await call("GET", "/usage", await bearer(tenant))).body as {
      used: { bytes: number; objects: number };
      reserved: { bytes: number; objects: number };
    };
  }
  return { bearer, call, grant, setLimits, usage };
}

export type Signed = { url: string; method: string; headers: Record<string, string> };

/** Sends a presigned request as the client would, with `body` (a Blob: see design notes). */
export function send(signed: Signed, body?: Uint8Array | string, url = signed.url) {
  return fetch(url, {
    method: signed.method,
    headers: signed.headers,
    ...(body === undefined ? {} : { body: new Blob([body]) }),
  });
}

/**
 * A grant of the local API asked from another loopback address (`127.0.0.2`): a second
 * device, as far as the API and S3 can tell.
 */
export async function grantFrom(
  localAddress: string,
  url: string,
  method: string,
  authorization: string,
): Promise<Signed> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        localAddress,
        headers: { Authorization: authorization, Accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(JSON.parse(text))
            : reject(new Error(`${res.statusCode} ${text}`)),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}
