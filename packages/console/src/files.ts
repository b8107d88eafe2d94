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
  return new FileBrowser(session, events).element;
}

class FileBrowser {
  readonly element: HTMLElement;
  private readonly prefixField = h("input", {
    id: "prefix",
    name: "prefix",
    type: "search",
    autocomplete: "off",
  });
  private readonly sizeField = h(
    "select",
    { id: "page-size", name: "pageSize" },
    ...[10, 25, 100].map((n) => h("option", { value: String(n), selected: n === 25 }, String(n))),
  );
  private readonly rows = h("tbody");
  private readonly caption = h("caption", {}, "Files");
  private readonly pageLabel = h("span", { class: "page", "aria-live": "polite" });
  private readonly previous = h("button", { type: "button", disabled: true }, "Previous page");
  private readonly next = h("button", { type: "button", disabled: true }, "Next page");
  private readonly error = h("p", { class: "error", role: "alert" });
  private prefix = "";
  private pages: Page<FileInfo>[] = [];
  private index = 0;
  private iterator: AsyncGenerator<Page<FileInfo>, void> | undefined;

  constructor(
    private readonly session: Session,
    private readonly events: FilesEvents,
  ) {
    this.previous.addEventListener("click", () => this.go(-1));
    this.next.addEventListener("click", () => this.go(1));
    const uploads = uploadView(session, {
      prefix: () => this.prefix,
      uploaded: async (key) => {
        events.announce(`Uploaded ${key}`);
        events.changed();
        await this.load(this.prefix);
      },
    });
    this.element = h(
      "section",
      { class: "files", "aria-labelledby": "files-title" },
      h("h2", { id: "files-title" }, "Files"),
      this.searchForm(),
      uploads,
      this.error,
      this.table(),
      h(
        "nav",
        { "aria-label": "Pages of files", class: "pager" },
        this.previous,
        this.pageLabel,
        this.next,
      ),
    );
    void this.load("");
  }

  private searchForm(): HTMLFormElement {
    const submit = (event: Event) => {
      event.preventDefault();
      void this.load(this.prefixField.value);
    };
    return h(
      "form",
      { role: "search", class: "inline", onsubmit: submit },
      h("label", { for: "prefix" }, "Prefix"),
      this.prefixField,
      h("label", { for: "page-size" }, "Per page"),
      this.sizeField,
      h("button", { type: "submit" }, "Browse"),
    );
  }

  private table(): HTMLTableElement {
    const headings = ["Key", "Size", "Type", "Modified", "Actions"];
    return h(
      "table",
      {},
      this.caption,
      h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
      this.rows,
    );
  }

  /** Lists `prefix` from its first page. */
  private async load(prefix: string): Promise<void> {
    this.error.textContent = "";
    this.prefix = prefix;
    this.pages = [];
    this.index = 0;
    const pageSize = Number(this.sizeField.value);
    this.iterator = this.session.client.list({ prefix, pageSize }).pages();
    await this.more();
  }

  private async more(): Promise<void> {
    try {
      const result = await this.iterator?.next();
      if (result && !result.done) this.pages.push(result.value);
      this.render();
    } catch (failure) {
      this.error.textContent = `Listing failed: ${messageOf(failure)}`;
    }
  }

  private async go(step: number): Promise<void> {
    this.index = Math.max(0, this.index + step);
    if (this.index >= this.pages.length) await this.more();
    else this.render();
  }

  private render(): void {
    this.index = Math.min(this.index, Math.max(0, this.pages.length - 1));
    const page = this.pages[this.index];
    const items = page?.items ?? [];
    this.caption.textContent = `Files under “${this.prefix || "/"}”`;
    const empty = this.prefix ? "No files under this prefix." : "No files yet.";
    fill(
      this.rows,
      ...(items.length === 0
        ? [h("tr", {}, h("td", { colSpan: 5 }, empty))]
        : items.map((file) => this.row(file))),
    );
    this.pageLabel.textContent = `Page ${this.index + 1}`;
    this.previous.disabled = this.index === 0;
    this.next.disabled = !page?.cursor && this.index >= this.pages.length - 1;
  }

  private row(file: FileInfo): HTMLTableRowElement {
    const action = (label: string, name: string, run: () => void, danger = false) =>
      h(
        "button",
        { type: "button", class: danger ? "danger" : undefined, "aria-label": name, onclick: run },
        label,
      );
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, file.key),
      h("td", { class: "num" }, formatBytes(file.size)),
      h("td", {}, file.contentType),
      h("td", {}, formatTime(file.lastModified)),
      h(
        "td",
        { class: "row-actions" },
        action("Download", `Download ${file.key}`, () => void this.download(file)),
        action("History", `History of ${file.key}`, () => showHistory(this.session, file.key)),
        action("Delete", `Delete ${file.key}`, () => void this.remove(file), true),
      ),
    );
  }

  private async download(file: FileInfo): Promise<void> {
    try {
      const bytes = await this.session.client.downloadBytes(file.key);
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: file.contentType }));
      const link = h("a", { href: url, download: file.key.split("/").pop() ?? "download" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.events.announce(`Downloaded ${file.key}`);
    } catch (failure) {
      this.error.textContent = `Download of ${file.key} failed: ${messageOf(failure)}`;
    }
  }

  private async remove(file: FileInfo): Promise<void> {
    if (!(await confirmDialog(`Delete ${file.key}? This cannot be undone.`, "Delete"))) return;
    try {
      await this.session.client.delete(file.key, { wait: true });
      this.events.announce(`Deleted ${file.key}`);
      this.events.changed();
      await this.load(this.prefix);
    } catch (failure) {
      this.error.textContent = `Deleting ${file.key} failed: ${messageOf(failure)}`;
    }
  }
}
