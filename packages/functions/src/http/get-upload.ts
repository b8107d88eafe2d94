import { intentStatus, type UploadIntents } from "@filegate/core/uploads";
import { intents } from "../lib/intents";
import { json, route } from "./boundary";

/** `GET /uploads/{id}`: an upload's status (pending, committed, quarantined, aborted, expired). */
export const getUpload = ({ intents }: { intents: Pick<UploadIntents, "get"> }) =>
  route(async (request) =>
    json(
      200,
      await intentStatus(intents, request.principal, request.event.pathParameters?.id ?? ""),
    ),
  );

export const handler = getUpload({ intents });
