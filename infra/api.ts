import { API_CORS } from "../packages/functions/src/edge";
import { ROUTES } from "../packages/functions/src/routes";
import { functionEnvironment, jwt } from "./config";
import { links, permissionsFor } from "./links";

/** The HTTP API: every route of the shared route table; all but preflights behind the JWT authorizer. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: {
    allowOrigins: [...API_CORS.allowOrigins],
    allowMethods: [...API_CORS.allowMethods],
    allowHeaders: [...API_CORS.allowHeaders],
    exposeHeaders: [...API_CORS.exposeHeaders],
    maxAge: `${API_CORS.maxAgeSeconds} seconds`,
  },
});

export const authorizer = api.addAuthorizer({
  name: "Jwt",
  jwt,
});

for (const route of ROUTES) {
  api.route(
    `${route.method} ${route.path}`,
    {
      handler: route.handler,
      link: route.link.map((name) => links[name]),
      permissions: permissionsFor(route.access),
      timeout: `${route.timeoutSeconds ?? 10} seconds`,
      environment: functionEnvironment,
    },
    route.auth === "none" ? {} : { auth: { jwt: { authorizer: authorizer.id } } },
  );
}
