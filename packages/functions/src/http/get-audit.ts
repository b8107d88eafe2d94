import { AuditReader, parseAuditQuery } from "@filegate/core/audit";
import { Resource } from "sst";
import { dynamo } from "../lib/dynamo";
import { keyring } from "../lib/keyring";
import { json, route } from "./boundary";

/**
 * `GET /audit?key=&from=&to=&actor=&action=&limit=&cursor=&tenant=`: a page of audit
 * records, oldest first — a file's history with `key`, else a time range of the caller's
 * tenant; `tenant=<id>|*` reads another tenant or all of them and needs `audit:read:all`.
 */
export const getAudit = ({ audit }: { audit: Pick<AuditReader, "query"> }) =>
  route(async (request) => {
    const params = request.event.queryStringParameters ?? {};
    const query = parseAuditQuery(params, request.principal);
    return json(200, await audit.query(query));
  });

export const handler = getAudit({
  audit: new AuditReader({
    client: dynamo,
    tableName: Resource.FileIndex.name,
    cursorKeys: keyring,
  }),
});
