import type { AuditRecord } from "@filegate/client";
import { fill, formatBytes, formatTime, h, messageOf } from "./dom";
import type { Session } from "./session";

/** A file's history in a modal dialog: every grant and S3 event, oldest first. */
export function showHistory(session: Session, key: string): void {
  const body = h("tbody");
  const close = h("button", { type: "button", onclick: () => dialog.close() }, "Close");
  const dialog = h(
    "dialog",
    { class: "history", "aria-labelledby": "history-title" },
    h("h2", { id: "history-title" }, `History of ${key}`),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h("tr", {}, ...["Time", "What", "Who", "Details"].map((t) => h("th", { scope: "col" }, t))),
      ),
      body,
    ),
    h("div", { class: "actions" }, close),
  );
  dialog.addEventListener("close", () => dialog.remove());
  fill(body, h("tr", {}, h("td", { colSpan: 4 }, "Loading…")));
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  session.client
    .history(key)
    .toArray()
    .then((records) => fill(body, ...records.map(historyRow)))
    .catch((error) =>
      fill(body, h("tr", {}, h("td", { colSpan: 4, class: "error" }, messageOf(error)))),
    );
}

/** One audit record as a table row (also used by the audit search). */
export function historyRow(record: AuditRecord): HTMLTableRowElement {
  return h(
    "tr",
    {},
    h("td", {}, formatTime(record.time)),
    h("td", {}, `${record.kind} ${record.action}`),
    h("td", {}, record.actor ?? "—"),
    h("td", {}, details(record)),
  );
}

function details(record: AuditRecord): string {
  const parts: string[] = [];
  if (record.kind === "event") {
    if (record.event) parts.push(record.event);
    if (record.size !== undefined) parts.push(formatBytes(record.size));
    if (record.verdict) parts.push(record.verdict + (record.reason ? ` (${record.reason})` : ""));
    if (record.stale) parts.push("stale");
  } else {
    if (record.conditions?.contentType) parts.push(record.conditions.contentType);
    if (record.conditions?.createOnly) parts.push("create only");
    if (record.sourceIp) parts.push(`from ${record.sourceIp}`);
  }
  return parts.join(" · ");
}
