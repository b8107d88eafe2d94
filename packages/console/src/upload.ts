import { Filegate } from "@filegate/uppy";
import Uppy, { type UppyFile } from "@uppy/core";
import { h, messageOf } from "./dom";
import type { Session } from "./session";

type Meta = Record<string, unknown>;
type Body = Record<string, never>;
type File = UppyFile<Meta, Body>;

/** Where uploads go and who hears of them. */
export interface UploadEvents {
  /** The prefix files are uploaded into (the one being browsed). */
  prefix(): string;
  /** A file is stored and indexed under `key`. */
  uploaded(key: string): Promise<void>;
}

interface Item {
  item: HTMLLIElement;
  bar: HTMLProgressElement;
  note: HTMLElement;
  pause: HTMLButtonElement;
}

/**
 * Drag-and-drop (or "Choose files") uploads through Uppy and the Filegate uploader, with a
 * progress bar, pause and cancel for each file.
 */
export function uploadView(session: Session, events: UploadEvents): HTMLElement {
  const uppy = new Uppy<Meta, Body>({ autoProceed: true }).use(Filegate, {
    baseUrl: session.config.apiUrl,
    getToken: () => session.token,
    key: (file) => `${events.prefix()}${file.name ?? file.id}`,
    // In parts from 16 MiB: a pause (or a reload) then keeps what was sent.
    multipartFrom: 16 * 1024 * 1024,
  });
  const list = h("ul", { class: "uploads", "aria-label": "Uploads" });
  const refuse = (name: string, message: string) =>
    list.append(h("li", { class: "error", role: "alert" }, `${name}: ${message}`));
  const add = (files: FileList | null | undefined) => {
    for (const data of Array.from(files ?? [])) {
      try {
        uppy.addFile({ name: data.name, type: data.type, data, source: "console" });
      } catch (error) {
        refuse(data.name, messageOf(error));
      }
    }
  };
  showProgress(uppy, list, (file, key) => {
    uppy.removeFile(file.id);
    void waitIndexed(session, key).then(() => events.uploaded(key));
  });
  uppy.on("restriction-failed", (file, error) => refuse(file?.name ?? "A file", error.message));
  return h("div", { class: "upload" }, dropZone(add), list);
}

/** The drop target, with a file picker for the keyboard. */
function dropZone(add: (files: FileList | null | undefined) => void): HTMLElement {
  const picker = h("input", {
    type: "file",
    multiple: true,
    id: "upload-input",
    class: "visually-hidden",
  });
  picker.addEventListener("change", () => {
    add(picker.files);
    picker.value = "";
  });
  const zone = h(
    "div",
    { class: "dropzone", "data-testid": "dropzone" },
    h("p", {}, "Drop files here to upload them into the prefix shown, or "),
    h("label", { for: "upload-input", class: "button" }, "Choose files"),
    picker,
  );
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    add(event.dataTransfer?.files);
  });
  return zone;
}

/** One list item per file: its progress bar, what it is doing, Pause/Resume and Cancel. */
function showProgress(
  uppy: Uppy<Meta, Body>,
  list: HTMLElement,
  done: (file: File, key: string) => void,
): void {
  const items = new Map<string, Item>();
  uppy.on("file-added", (file) => {
    const bar = h("progress", { max: 100, value: 0, "aria-label": `Upload of ${file.name}` });
    const note = h("span", { class: "note" }, "waiting");
    const pause = h(
      "button",
      { type: "button", onclick: () => uppy.pauseResume(file.id) },
      "Pause",
    );
    const cancel = h(
      "button",
      { type: "button", class: "danger", onclick: () => uppy.removeFile(file.id) },
      "Cancel",
    );
    const item = h("li", {}, h("span", { class: "name" }, file.name), bar, note, pause, cancel);
    list.append(item);
    items.set(file.id, { item, bar, note, pause });
  });
  uppy.on("upload-progress", (file, progress) => {
    const entry = file && items.get(file.id);
    if (!entry || !progress.bytesTotal) return;
    entry.bar.value = Math.round(((progress.bytesUploaded || 0) / progress.bytesTotal) * 100);
    entry.note.textContent = `${entry.bar.value}%`;
  });
  uppy.on("upload-pause", (file, paused) => {
    const entry = file && items.get(file.id);
    if (!entry) return;
    entry.pause.textContent = paused ? "Resume" : "Pause";
    entry.note.textContent = paused ? "paused" : `${entry.bar.value}%`;
  });
  uppy.on("upload-success", (file, response) => {
    const entry = file && items.get(file.id);
    if (entry) {
      entry.bar.value = 100;
      entry.note.textContent = "uploaded";
      for (const button of entry.item.querySelectorAll("button")) button.remove();
      items.delete(file.id);
    }
    if (file) done(file, (response.body as unknown as { key: string }).key);
  });
  uppy.on("upload-error", (file, error) => {
    const entry = file && items.get(file.id);
    if (entry) entry.note.textContent = `failed: ${error.message}`;
  });
  uppy.on("file-removed", (file) => {
    items.get(file.id)?.item.remove();
    items.delete(file.id);
  });
}

/** Waits (up to 10 s) until the index lists the upload: S3's event feeds it. */
async function waitIndexed(session: Session, key: string): Promise<void> {
  const path = `/files/${key.split("/").map(encodeURIComponent).join("/")}?wait=10`;
  await session.fetchApi(path, { method: "HEAD" }).catch(() => undefined);
}
