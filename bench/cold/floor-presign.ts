/**
 * Floor of GET, PUT and DELETE /files/{key+}: the ownership check (GET, DELETE) or the
 * tenant's limits (PUT), one presigned URL, its audit record, a 307.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { limits, lookup, recordGrant } from "./parts/dynamo";
import { presign } from "./parts/sign";

const ACTIONS: Record<string, string> = { GET: "read", PUT: "write", DELETE: "delete" };

export const handler = async (event: Event) => {
  const method = event.requestContext.http.method;
  const { tenant, sub } = event.requestContext.authorizer.jwt.claims;
  const key = event.pathParameters?.key ?? "";
  if (method === "PUT") await limits(String(tenant));
  else if (!(await lookup(String(tenant), key))) return { statusCode: 404 };
  const type = event.headers["content-type"];
  const url = await presign(
    method,
    `tenants/${tenant}/${key}`,
    type ? { "content-type": type } : {},
  );
  await recordGrant(String(tenant), key, ACTIONS[method] ?? "read", String(sub));
  return { statusCode: 307, headers: { Location: url } };
};
