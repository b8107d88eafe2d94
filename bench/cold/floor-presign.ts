/** Floor of GET, PUT and DELETE /files/{key+}: one GetItem, one presigned URL, a 307. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { lookup } from "./parts/dynamo";
import { presign } from "./parts/sign";

export const handler = async (event: Event) => {
  const method = event.requestContext.http.method;
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const key = event.pathParameters?.key ?? "";
  if (method !== "PUT" && !(await lookup(tenant, key))) return { statusCode: 404 };
  const type = event.headers["content-type"];
  const url = await presign(
    method,
    `tenants/${tenant}/${key}`,
    type ? { "content-type": type } : {},
  );
  return { statusCode: 307, headers: { Location: url } };
};
