/**
 * Floor of the routes that reach no resource (the 405 catch-all, the CORS preflight and the
 * OpenAPI document): no SDK at all, the fixed answer of each.
 */
export const handler = async (event: { requestContext: { http: { method: string } } }) => {
  const method = event.requestContext.http.method;
  if (method === "OPTIONS")
    return { statusCode: 204, headers: { "Access-Control-Allow-Origin": "*" } };
  if (method === "GET")
    return { statusCode: 200, headers: { "Content-Type": "application/json" }, body: "{}" };
  return { statusCode: 405, headers: { Allow: "GET, HEAD, PUT, DELETE" } };
};
