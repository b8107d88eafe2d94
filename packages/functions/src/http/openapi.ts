import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { buildDocument } from "../openapi/document";

/** Built once per cold start: the same document as `docs/openapi.json`. */
const body = JSON.stringify(buildDocument());

/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document, to anyone (it says nothing a tenant's
 * data could be read from), so tools can fetch it before they hold a token.
 */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300" },
    body,
  };
}
