/**
 * Floor of GET /files (one Query of the tenant's files) and GET /audit (a tenant's records
 * of a time range: one Query per shard of the tenant's log, 4 shards), the items as JSON.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { query } from "./parts/dynamo";

const LOG_SHARDS = 4;

export const handler = async (event: Event) => {
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const pages =
    event.rawPath === "/audit"
      ? await Promise.all(
          Array.from({ length: LOG_SHARDS }, (_, shard) =>
            query(tenant, 100, {
              name: "tenantLog",
              hashKey: "gsi2pk",
              partition: `LOG#${tenant}#${shard}`,
            }),
          ),
        )
      : [await query(tenant, 100)];
  const items = pages.flat().slice(0, 100);
  return {
    statusCode: 200,
    body: JSON.stringify({ items: items.map((item) => unmarshall(item)) }),
  };
};
