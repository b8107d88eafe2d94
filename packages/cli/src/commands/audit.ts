import { type AuditRecord, NotFoundError, type Paged } from "@filegate/client";
import type { Context } from "../context";
import { formatBytes, formatTime, printColumns, printJson, printPaged } from "../format";

/** `filegate history KEY` and `filegate audit`: audit records, oldest first. */
export async function printAudit(
  ctx: Context,
  records: Paged<AuditRecord>,
  showKey: boolean,
): Promise<number> {
  await printPaged(ctx.json, records, (record) => [
    formatTime(record.time),
    record.kind,
    record.action,
    record.actor ?? "-",
    ...(showKey ? [record.key] : []),
    describe(record),
  ]);
  return 0;
}

function describe(record: AuditRecord): string {
  if (record.kind === "grant") {
    const conditions = [
      record.conditions?.contentType,
      record.conditions?.createOnly ? "create-only" : undefined,
    ].filter(Boolean);
    return [record.userAgent, conditions.length ? `(${conditions.join(", ")})` : ""]
      .filter(Boolean)
      .join(" ");
  }
  return [
    record.event,
    record.size !== undefined ? formatBytes(record.size) : "",
    record.stale ? "stale" : "",
    record.attribution ? `attribution=${record.attribution}` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

/** `filegate usage`: the tenant's consumption and limits. */
export async function usage(ctx: Context): Promise<number> {
  let usage: Awaited<ReturnType<Context["client"]["usage"]>>;
  try {
    usage = await ctx.client.usage();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError({
      status: error.status,
      code: error.code,
      message: "This API reports no usage (GET /usage answered 404)",
      requestId: error.requestId,
    });
  }
  if (ctx.json) {
    printJson(usage);
    return 0;
  }
  const count = (bytes: number, objects: number) =>
    `${formatBytes(bytes)} in ${objects} object${objects === 1 ? "" : "s"}`;
  const limit = (value: number | null, format: (n: number) => string) =>
    value === null ? "unlimited" : format(value);
  printColumns([
    ["tenant", usage.tenant],
    ["used", count(usage.used.bytes, usage.used.objects)],
    ["reserved", count(usage.reserved.bytes, usage.reserved.objects)],
    ["max object size", formatBytes(usage.limits.maxObjectBytes)],
    ["max bytes", limit(usage.limits.maxBytes, formatBytes)],
    ["max objects", limit(usage.limits.maxObjects, String)],
    ["content types", usage.limits.allowedContentTypes.join(", ") || "any"],
  ]);
  return 0;
}
