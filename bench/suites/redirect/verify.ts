/** The checks of the redirect suite: the floor signs what Filegate and the SDK sign. */
import { createPresigner } from "@filegate/core/storage";
import type { HttpEvent, HttpResult } from "../../../packages/functions/src/http/boundary";
import { BENCH } from "../../lib/environment";
import { CONTENT_TYPE, EXPIRES, type FloorSign, OBJECT_KEY, type Presigners } from "./presigners";

/** A route handler, as the route table builds it. */
export type Handler = (event: HttpEvent) => Promise<HttpResult>;

/** The GET and PUT route handlers, the table stubbed, and the event each answers. */
export interface Handlers {
  getHandler: Handler;
  putHandler: Handler;
  getEvent: HttpEvent;
  putEvent: HttpEvent;
}

/**
 * The floor must sign exactly what Filegate and the SDK sign, or it proves nothing: the same
 * URL as Filegate's presigner, byte for byte, and as getSignedUrl (which adds `x-id` and sorts
 * the query). The handlers' own answers must carry URLs the floor reproduces.
 */
export async function verify(
  handlers: Handlers,
  presigners: Presigners,
): Promise<Record<string, boolean>> {
  const signingDate = new Date("2026-11-25T12:00:00Z");
  const filegate = createPresigner({
    bucket: BENCH.bucket,
    region: BENCH.region,
    credentials: BENCH.credentials,
    expiresIn: EXPIRES,
    now: () => signingDate,
  });
  const filegateGet = await filegate.presign({ method: "GET", objectKey: OBJECT_KEY });
  const filegatePut = await filegate.presign({
    method: "PUT",
    objectKey: OBJECT_KEY,
    headers: { "Content-Type": CONTENT_TYPE },
  });
  const { floorGet, floorPut, sdkGet, sdkPut } = presigners;
  return {
    "floor URL = Filegate presigner URL (GET)": floorGet(signingDate) === filegateGet.url,
    "floor URL = Filegate presigner URL (PUT, Content-Type signed)":
      floorPut(signingDate) === filegatePut.url,
    "floor URL = getSignedUrl URL (GET)": sameUrl(
      floorGet(signingDate, { "x-id": "GetObject" }),
      await sdkGet(signingDate),
    ),
    "floor URL = getSignedUrl URL (PUT)": sameUrl(
      floorPut(signingDate, { "x-id": "PutObject" }),
      await sdkPut(signingDate),
    ),
    "GET handler answers 307 to the floor's URL": await answersFloorUrl(
      handlers.getHandler,
      handlers.getEvent,
      floorGet,
    ),
    "PUT handler answers 307 to the floor's URL": await answersFloorUrl(
      handlers.putHandler,
      handlers.putEvent,
      floorPut,
    ),
  };
}

/** Whether the handler answers 307 to the URL the floor signs at the same date. */
async function answersFloorUrl(
  handler: Handler,
  event: HttpEvent,
  floor: FloorSign,
): Promise<boolean> {
  const answer = await handler(event);
  const location = String(answer.headers?.Location ?? "");
  const amzDate = new URL(location).searchParams.get("X-Amz-Date") ?? "";
  const date = new Date(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  // A write grant signs its id and attestation into the URL as object metadata: sign the
  // same in the floor.
  const params = new URL(location).searchParams;
  const signed = ["x-amz-meta-filegate-grant", "x-amz-meta-filegate-attestation"].flatMap(
    (name) => {
      const value = params.get(name);
      return value ? [[name, value] as const] : [];
    },
  );
  const query = signed.length > 0 ? Object.fromEntries(signed) : undefined;
  return answer.statusCode === 307 && sameUrl(location, floor(date, query));
}

/** The same URL up to the order of its query parameters. */
function sameUrl(a: string, b: string): boolean {
  const parse = (url: string) => {
    const [base, query = ""] = url.split("?");
    return `${base}?${query.split("&").sort().join("&")}`;
  };
  return parse(a) === parse(b);
}
