/** Floor of GET /files: one Query, the items as JSON. */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { query } from "./parts/dynamo";

export const handler = async (event: Event) => {
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const items = await query(tenant, 100);
  return {
    statusCode: 200,
    body: JSON.stringify({ items: items.slice(0, 100).map((item) => unmarshall(item)) }),
  };
};
