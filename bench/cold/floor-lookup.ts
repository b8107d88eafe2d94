/**
 * Floor of the routes that read or set one item: HEAD /files/{key+} (the file's attributes
 * as headers), GET /uploads/{id}, GET /usage (one item of the tenant, as JSON) and
 * PUT /tenants/{tenant}/limits (the limits set and read back in one call).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { lookup, setLimits } from "./parts/dynamo";

export const handler = async (event: Event) => {
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const { key, id, tenant: target } = event.pathParameters ?? {};
  if (target !== undefined) {
    const { maxObjects } = JSON.parse(event.body ?? "{}") as { maxObjects: number };
    const item = await setLimits(target, maxObjects);
    return { statusCode: 200, body: JSON.stringify({ tenant: target, limits: item }) };
  }
  if (key === undefined && id === undefined) {
    const item = await lookup(tenant, "USAGE");
    return { statusCode: 200, body: JSON.stringify({ tenant, found: item !== undefined }) };
  }
  const item = await lookup(tenant, key ?? id ?? "");
  if (!item) return { statusCode: 404 };
  return {
    statusCode: 200,
    headers: {
      "Content-Length": item.size?.N,
      "Content-Type": item.contentType?.S,
      ETag: item.etag?.S,
    },
  };
};
