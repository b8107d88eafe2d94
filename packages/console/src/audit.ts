import type { AuditAction, AuditRecord, Page } from "@filegate/client";
import { fill, h, messageOf } from "./dom";
import { historyRow } from "./history";
import type { Session } from "./session";

/** Audit search (`GET /audit`) by time range, actor and action, a page at a time. */
export function auditView(session: Session): HTMLElement {
  const { from, to, actor, action } = auditFields();
  const rows = h("tbody");
  const summary = h("p", { class: "help", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  const more = h("button", { type: "button", hidden: true }, "More results");
  let pages: AsyncGenerator<Page<AuditRecord>, void> | undefined;
  let count = 0;

  const fetchMore = async () => {
    try {
      const result = await pages?.next();
      if (!result || result.done) {
        more.hidden = true;
        return;
      }
      rows.append(...result.value.items.map(auditRow));
      count += result.value.items.length;
      summary.textContent = `${count} record${count === 1 ? "" : "s"}`;
      more.hidden = !result.value.cursor;
    } catch (failure) {
      error.textContent = `Audit search failed: ${messageOf(failure)}`;
    }
  };
  more.addEventListener("click", () => void fetchMore());

  const search = async () => {
    error.textContent = "";
    fill(rows);
    count = 0;
    pages = session.client
      .audit({
        from: from.value ? new Date(from.value) : undefined,
        to: to.value ? new Date(to.value) : undefined,
        actor: actor.value.trim() || undefined,
        action: (action.value || undefined) as AuditAction | undefined,
        pageSize: 50,
      })
      .pages();
    await fetchMore();
  };

  return h(
    "section",
    { class: "audit", "aria-labelledby": "audit-title" },
    h("h2", { id: "audit-title" }, "Audit"),
    searchForm([from, to, actor, action], search),
    error,
    summary,
    auditTable(rows),
    more,
  );
}

function auditFields() {
  return {
    from: h("input", { id: "audit-from", name: "from", type: "datetime-local", step: 1 }),
    to: h("input", { id: "audit-to", name: "to", type: "datetime-local", step: 1 }),
    actor: h("input", { id: "audit-actor", name: "actor", type: "text", autocomplete: "off" }),
    action: h(
      "select",
      { id: "audit-action", name: "action" },
      h("option", { value: "" }, "any"),
      ...["read", "write", "delete"].map((a) => h("option", { value: a }, a)),
    ),
  };
}

function auditTable(rows: HTMLTableSectionElement): HTMLTableElement {
  const headings = ["Time", "What", "Who", "Details", "Key"];
  return h(
    "table",
    {},
    h("caption", { class: "visually-hidden" }, "Audit records, oldest first"),
    h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
    rows,
  );
}

/** The search form: each field with its label, and a Search button. */
function searchForm(fields: HTMLElement[], search: () => Promise<void>): HTMLFormElement {
  const labels: Record<string, string> = {
    "audit-from": "From",
    "audit-to": "To",
    "audit-actor": "Actor",
    "audit-action": "Action",
  };
  return h(
    "form",
    {
      class: "inline",
      role: "search",
      "aria-label": "Audit search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void search();
      },
    },
    ...fields.flatMap((field) => [
      h("label", { for: field.id }, labels[field.id] ?? field.id),
      field,
    ]),
    h("button", { type: "submit" }, "Search"),
  );
}

function auditRow(record: AuditRecord): HTMLTableRowElement {
  const row = historyRow(record);
  row.append(h("td", {}, record.key));
  return row;
}
