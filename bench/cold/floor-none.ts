/**
 * Floor of the routes that reach no resource (the 405 catch-all and the CORS preflight): no SDK
 * at all, the fixed answer of each.
 */
export const handler = async (event: { requestContext: { http: { method: string } } }) =>
  event.requestContext.http.method === "OPTIONS"
    ? { statusCode: 204, headers: { "Access-Control-Allow-Origin": "*" } }
    : { statusCode: 405, headers: { Allow: "GET, HEAD, PUT, DELETE" } };
