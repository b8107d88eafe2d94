/** Floor of HEAD /files/{key+}: one GetItem, its attributes as headers. */
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { lookup } from "./parts/dynamo";

export const handler = async (event: Event) => {
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const item = await lookup(tenant, event.pathParameters?.key ?? "");
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
