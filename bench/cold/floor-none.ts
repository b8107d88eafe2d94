/** Floor of the 405 route: no SDK at all, a fixed answer. */
export const handler = async () => ({
  statusCode: 405,
  headers: { Allow: "GET, HEAD, PUT, DELETE" },
});
