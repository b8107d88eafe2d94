import type { FileInfo, Page } from "@filegate/client";
import { confirmDialog, fill, formatBytes, formatTime, h, messageOf } from "./dom";
import { showHistory } from "./history";
import type { Session } from "./session";
import { uploadView } from "./upload";

/** How the files section tells the rest of the page what happened. */
export interface FilesEvents {
  /** A message for the page's status line (read out by screen readers). */
  announce(message: string): void;
  /** Files were added or removed (usage changed). */
  changed(): void;
}

/**
 * The tenant's files by prefix, a page at a time (`GET /files`), with download, history and
 * delete on each row, and uploads into the prefix shown.
 */
export function filesView(session: Session, events: FilesEvents): HTMLElement {
  const prefixField = h("input", {
    id: "prefix",
    name: "prefix",
    type: "search",
    autocomplete: "off",
  });
  const sizeField = h(
    "select",
    { id: "page-size", name: "pageSize" },
    ...[10, 25, 100].map((n) => h("option", { value: String(n), selected: n === 25 }, String(n))),
  );
  const rows = h("tbody");
  const caption = h("caption", {}, "Files");
  const pageLabel = h("span", { class: "page", "aria-live": "polite" });
  const previous = h("button", { type: "button", disabled: true }, "Previous page");
  const next = h("button", { type: "button", disabled: true }, "Next page");
  const error = h("p", { class: "error", role: "alert" });
  const state = {
    prefix: "",
    pages: [] as Page<FileInfo>[],
    index: 0,
    iterator: undefined as AsyncGenerator<Page<FileInfo>, void> | undefined,
  };

  const render = () => {
    const page = state.pages[state.index];
    const items = page?.items ?? [];
    caption.textContent = `Files under “${state.prefix || "/"}”`;
    fill(
      rows,
      ...(items.length === 0
        ? [
            h(
              "tr",
              {},
              h(
                "td",
                { colSpan: 5 },
                state.prefix ? "No files under this prefix." : "No files yet.",
              ),
            ),
          ]
        : items.map((file) => row(file))),
    );
    pageLabel.textContent = `Page ${state.index + 1}`;
    previous.disabled = state.index === 0;
    next.disabled = !page?.cursor && state.index >= state.pages.length - 1;
  };

  const load = async (prefix: string) => {
    error.textContent = "";
    state.prefix = prefix;
    state.pages = [];
    state.index = 0;
    state.iterator = session.client.list({ prefix, pageSize: Number(sizeField.value) }).pages();
    await more();
  };

  const more = async () => {
    try {
      const result = await state.iterator?.next();
      if (result && !result.done) state.pages.push(result.value);
      render();
    } catch (failure) {
      error.textContent = `Listing failed: ${messageOf(failure)}`;
    }
  };

  const row = (file: FileInfo) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, file.key),
      h("td", { class: "num" }, formatBytes(file.size)),
      h("td", {}, file.contentType),
      h("td", {}, formatTime(file.lastModified)),
      h(
        "td",
        { class: "row-actions" },
        h(
          "button",
          {
            type: "button",
            "aria-label": `Download ${file.key}`,
            onclick: () => void download(file),
          },
          "Download",
        ),
        h(
          "button",
          {
            type: "button",
            "aria-label": `History of ${file.key}`,
            onclick: () => showHistory(session, file.key),
          },
          "History",
        ),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            "aria-label": `Delete ${file.key}`,
            onclick: () => void remove(file),
          },
          "Delete",
        ),
      ),
    );

  const download = async (file: FileInfo) => {
    try {
      const bytes = await session.client.downloadBytes(file.key);
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: file.contentType }));
      const link = h("a", { href: url, download: file.key.split("/").pop() ?? "download" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      events.announce(`Downloaded ${file.key}`);
    } catch (failure) {
      error.textContent = `Download of ${file.key} failed: ${messageOf(failure)}`;
    }
  };

  const remove = async (file: FileInfo) => {
    if (!(await confirmDialog(`Delete ${file.key}? This cannot be undone.`, "Delete"))) return;
    try {
      await session.client.delete(file.key, { wait: true });
      events.announce(`Deleted ${file.key}`);
      events.changed();
      await load(state.prefix);
    } catch (failure) {
      error.textContent = `Deleting ${file.key} failed: ${messageOf(failure)}`;
    }
  };

  previous.addEventListener("click", () => {
    state.index = Math.max(0, state.index - 1);
    render();
  });
  next.addEventListener("click", async () => {
    state.index++;
    if (state.index >= state.pages.length) await more();
    else render();
  });

  const uploads = uploadView(session, {
    prefix: () => state.prefix,
    uploaded: async (key) => {
      events.announce(`Uploaded ${key}`);
      events.changed();
      await load(state.prefix);
    },
  });

  void load("");
  return h(
    "section",
    { class: "files", "aria-labelledby": "files-title" },
    h("h2", { id: "files-title" }, "Files"),
    h(
      "form",
      {
        role: "search",
        class: "inline",
        onsubmit: (event: Event) => {
          event.preventDefault();
          void load(prefixField.value);
        },
      },
      h("label", { for: "prefix" }, "Prefix"),
      prefixField,
      h("label", { for: "page-size" }, "Per page"),
      sizeField,
      h("button", { type: "submit" }, "Browse"),
    ),
    uploads,
    error,
    h(
      "table",
      {},
      caption,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["Key", "Size", "Type", "Modified", "Actions"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      rows,
    ),
    h("nav", { "aria-label": "Pages of files", class: "pager" }, previous, pageLabel, next),
  );
}
