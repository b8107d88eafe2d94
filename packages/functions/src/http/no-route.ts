import { Errors } from "@filegate/core/errors";
import { allowedMethods } from "../routes";
import { route } from "./boundary";

/** Any request no route serves: 405 with `Allow` on a known path, 404 otherwise. */
export const handler = route(async (request) => {
  const { method, path } = request.event.requestContext.http;
  const allow = allowedMethods(path);
  if (allow.length === 0) throw Errors.notFound(`No route for ${method} ${path}`);
  throw Errors.methodNotAllowed(method, allow);
});
