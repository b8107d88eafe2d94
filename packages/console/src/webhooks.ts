import { fill, h, messageOf } from "./dom";
import type { Session } from "./session";

/**
 * The tenant's webhooks (`GET /webhooks`), shown when the API has that route; an API without
 * it answers 404 (or 405) and the section stays hidden.
 */
export function webhooksView(session: Session): HTMLElement {
  const list = h("ul", { class: "webhooks" });
  const element = h(
    "section",
    { class: "webhooks", "aria-labelledby": "webhooks-title", hidden: true },
    h("h2", { id: "webhooks-title" }, "Webhooks"),
    list,
  );
  void (async () => {
    try {
      const response = await session.fetchApi("/webhooks");
      if (response.status === 404 || response.status === 405) return;
      element.hidden = false;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { items?: unknown[] } | unknown[];
      const items = Array.isArray(body) ? body : (body.items ?? []);
      fill(
        list,
        ...(items.length === 0
          ? [h("li", {}, "No webhooks.")]
          : items.map((item) => h("li", {}, describe(item)))),
      );
    } catch (error) {
      fill(list, h("li", { class: "error" }, `Webhooks: ${messageOf(error)}`));
    }
  })();
  return element;
}

function describe(item: unknown): string {
  if (!item || typeof item !== "object") return String(item);
  const hook = item as Record<string, unknown>;
  const events = Array.isArray(hook.events) ? ` (${hook.events.join(", ")})` : "";
  const url = typeof hook.url === "string" ? hook.url : JSON.stringify(hook);
  const id = typeof hook.id === "string" ? `${hook.id}: ` : "";
  return `${id}${url}${events}`;
}
