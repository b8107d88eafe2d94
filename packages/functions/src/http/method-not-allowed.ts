import { Errors } from "@filegate/core/errors";
import { allowedMethods } from "../routes";
import { route } from "./boundary";

/** Any method no route serves: 405 with the `Allow` header of that path. */
export const handler = route(async (request) => {
  const path = request.event.routeKey.replace(/^\S+\s+/, "");
  throw Errors.methodNotAllowed(request.event.requestContext.http.method, allowedMethods(path));
});
