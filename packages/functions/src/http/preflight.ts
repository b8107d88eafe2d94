import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { API_CORS } from "../edge";

/**
 * CORS preflights (`OPTIONS`, which browsers send without a token), answered without the
 * authorizer: with only `ANY /{proxy+}` behind the JWT authorizer, API Gateway would match them
 * there and answer 401, and no browser could call the API. API Gateway answers preflights from
 * the API's CORS configuration itself when it can; this function gives the same answer when a
 * request reaches it, from the same rules (`../edge.ts`).
 */
export async function handler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const headers = lowerCaseKeys(event.headers ?? {});
  const origin = headers.origin;
  const method = headers["access-control-request-method"]?.toUpperCase();
  if (!origin || !API_CORS.allowMethods.some((allowed) => allowed === method)) {
    return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
  }
  const requested = (headers["access-control-request-headers"] ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const allowed = requested.filter((name) => API_CORS.allowHeaders.includes(name));
  return {
    statusCode: 204,
    headers: {
      "Access-Control-Allow-Origin": API_CORS.allowOrigins.includes("*") ? "*" : origin,
      "Access-Control-Allow-Methods": API_CORS.allowMethods.join(","),
      ...(allowed.length > 0 ? { "Access-Control-Allow-Headers": allowed.join(",") } : {}),
      "Access-Control-Max-Age": String(API_CORS.maxAgeSeconds),
    },
    body: "",
  };
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = value;
  }
  return result;
}
