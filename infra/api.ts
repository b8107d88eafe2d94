import { ROUTES } from "../packages/functions/src/routes";
import { functionEnvironment, jwt } from "./config";
import { links } from "./links";

/** The HTTP API: every route of the shared route table, each behind the JWT authorizer. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: {
    allowOrigins: ["*"],
    allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE"],
    allowHeaders: ["authorization", "content-type", "if-none-match", "accept"],
    exposeHeaders: ["location", "etag", "last-modified", "content-length"],
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
      timeout: `${route.timeoutSeconds ?? 10} seconds`,
      environment: functionEnvironment,
    },
    { auth: { jwt: { authorizer: authorizer.id } } },
  );
}
