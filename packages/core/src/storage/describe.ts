import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Presigner } from "./presign";

/** What S3 says about an object now (HeadObject), or `undefined` when it is gone. */
export type DescribeObject = (objectKey: string) => Promise<
  | {
      contentType: string;
      etag: string;
      metadata: Record<string, string>;
      sha256?: string | undefined;
    }
  | undefined
>;

/** A HeadObject that takes longer fails the record, which is then retried. */
const TIMEOUT_MS = 5_000;
const agents = {
  http: new HttpAgent({ keepAlive: true }),
  https: new HttpsAgent({ keepAlive: true }),
};

/**
 * {@link DescribeObject} backed by S3 HeadObject, sent as a request signed by Filegate's own
 * presigner rather than through an S3 client: the client's middleware costs several times
 * the request itself, and its code a good part of a cold start (see docs/performance.md).
 * A missing object is `undefined`; any other answer but 200 throws, so the record is retried.
 *
 * @example
 * const describe = headObjectDescriber(presigner);
 * await describe("tenants/acme/a.txt") // { contentType: "text/plain", etag: "\"...\"" }
 */
export function headObjectDescriber(presigner: Presigner): DescribeObject {
  return async (objectKey) => {
    const signed = await presigner.presign({
      method: "HEAD",
      objectKey,
      expiresIn: 60,
      // Asks S3 for the object's checksum, which verification compares with the intent's.
      headers: { "x-amz-checksum-mode": "ENABLED" },
    });
    const { status, headers } = await head(signed.url, signed.headers);
    if (status === 404) return undefined;
    if (status !== 200) {
      const requestId = headers["x-amz-request-id"];
      throw new Error(
        `HeadObject of ${objectKey} answered ${status}${requestId ? ` (request ${requestId})` : ""}`,
      );
    }
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith("x-amz-meta-") && value !== undefined) {
        metadata[name.slice("x-amz-meta-".length)] = String(value);
      }
    }
    const sha256 = headers["x-amz-checksum-sha256"];
    return {
      contentType: headers["content-type"] ?? "application/octet-stream",
      etag: headers.etag ?? "",
      metadata,
      ...(typeof sha256 === "string" ? { sha256 } : {}),
    };
  };
}

function head(
  url: string,
  signedHeaders: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const secure = url.startsWith("https:");
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: "HEAD",
        headers: signedHeaders,
        agent: secure ? agents.https : agents.http,
        timeout: TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      },
    );
    request.on("timeout", () => {
      request.destroy(new Error(`HeadObject timed out after ${TIMEOUT_MS} ms`));
    });
    request.on("error", reject);
    request.end();
  });
}
