import { Errors } from "@filegate/core/errors";
import { objectKeyFor } from "@filegate/core/tenancy";
import { fileIndex } from "../lib/file-index";
import { presigner } from "../lib/presigner";
import { fileKeyOf, grant, route } from "./boundary";

/** `GET /files/{key+}`: a 307 to a presigned GET when the tenant holds the file. */
export const handler = route(async (request) => {
  const key = fileKeyOf(request);
  const { tenant } = request.principal;
  if (!(await fileIndex.getPresent(tenant, key))) throw Errors.notFound();
  return grant(
    request,
    await presigner.presign({ method: "GET", objectKey: objectKeyFor(tenant, key) }),
  );
});
