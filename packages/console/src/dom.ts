/** A child of {@link h}: nodes, text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

type Props = Record<string, unknown>;

/**
 * Creates an element: `on*` props become listeners, `class` the class name, `aria-*`,
 * `data-*`, `for`, `role` and `tabindex` attributes, anything else a property.
 *
 * @example h("button", { type: "button", onclick: save }, "Save")
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value as EventListener);
    } else if (name === "class") {
      element.className = String(value);
    } else if (/^(aria-|data-)|^(for|role|tabindex)$/.test(name)) {
      element.setAttribute(name, String(value));
    } else {
      (element as unknown as Props)[name] = value;
    }
  }
  element.append(...nodes(children));
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...nodes(children));
}

function nodes(children: Child[]): (Node | string)[] {
  return children
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (typeof child === "number" ? String(child) : (child as Node | string)));
}

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/**
 * A byte count for people, in powers of 1,000.
 *
 * @example formatBytes(1_500_000) // "1.5 MB"
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** An ISO time as the browser's locale writes it. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks a yes/no question in a modal dialog (focus stays inside it; Escape answers no). The
 * safe answer has the focus.
 */
export function confirmDialog(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-question" });
    const answer = (yes: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(yes);
    };
    const cancel = h("button", { type: "button", onclick: () => answer(false) }, "Cancel");
    dialog.append(
      h("p", { id: "confirm-question" }, question),
      h(
        "div",
        { class: "actions" },
        cancel,
        h("button", { type: "button", class: "danger", onclick: () => answer(true) }, confirmLabel),
      ),
    );
    dialog.addEventListener("cancel", () => answer(false));
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
