import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a request with the path exactly as given: `fetch` and `new URL` would normalise
 * `..`, `%2e%2e` and the like before they reach the server, and prove nothing.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        data += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Percent-encodes a file key for a URL path, keeping its slashes. */
export function keyPath(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** The list of keys a tenant sees (all pages). */
export async function listKeys(
  apiUrl: string,
  auth: Record<string, string>,
  prefix = "",
): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL("/files", apiUrl);
    if (prefix) url.searchParams.set("prefix", prefix);
    if (cursor) url.searchParams.set("cursor", cursor);
    const response = await fetch(url, { headers: auth });
    if (response.status !== 200)
      throw new Error(`list failed: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { items: { key: string }[]; cursor: string | null };
    keys.push(...page.items.map((item) => item.key));
    cursor = page.cursor;
  } while (cursor);
  return keys;
}
