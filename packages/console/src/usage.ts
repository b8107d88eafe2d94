import { NotFoundError, type Usage } from "@filegate/client";
import { fill, formatBytes, h, messageOf } from "./dom";
import type { Session } from "./session";

/** The tenant's usage against its quota, as bars (`GET /usage`); hidden on an API without quotas. */
export function usageView(session: Session): { element: HTMLElement; refresh(): Promise<void> } {
  const body = h("div", { class: "usage-body" });
  const element = h(
    "section",
    { class: "usage", "aria-labelledby": "usage-title" },
    h("h2", { id: "usage-title" }, "Usage"),
    body,
  );
  const refresh = async () => {
    try {
      const usage = await session.client.usage();
      fill(body, ...bars(usage));
    } catch (error) {
      if (error instanceof NotFoundError) {
        element.hidden = true;
        return;
      }
      fill(body, h("p", { class: "error", role: "alert" }, `Usage: ${messageOf(error)}`));
    }
  };
  void refresh();
  return { element, refresh };
}

function bars(usage: Usage): HTMLElement[] {
  const { used, reserved, limits } = usage;
  return [
    bar("usage-bytes", "Storage", used.bytes, limits.maxBytes, formatBytes),
    bar("usage-objects", "Files", used.objects, limits.maxObjects, (n) => `${n}`),
    h(
      "p",
      { class: "help" },
      `Largest file ${formatBytes(limits.maxObjectBytes)}`,
      reserved.bytes > 0 ? ` · ${formatBytes(reserved.bytes)} held by uploads in progress` : "",
      ` · types ${limits.allowedContentTypes.join(", ")}`,
    ),
  ];
}

function bar(
  id: string,
  label: string,
  used: number,
  max: number | null,
  format: (n: number) => string,
): HTMLElement {
  const text = max === null ? `${format(used)} (no quota)` : `${format(used)} of ${format(max)}`;
  const percent = max ? Math.min(100, (used / max) * 100) : 0;
  return h(
    "div",
    { class: "bar-row" },
    h("span", { id: `${id}-label`, class: "bar-label" }, label),
    max === null
      ? null
      : h(
          "div",
          {
            id,
            class: `bar${percent >= 90 ? " full" : ""}`,
            role: "meter",
            "aria-labelledby": `${id}-label`,
            "aria-valuemin": 0,
            "aria-valuemax": max,
            "aria-valuenow": used,
            "aria-valuetext": text,
          },
          h("div", { class: "bar-fill", style: `width: ${percent.toFixed(1)}%` }),
        ),
    h("span", { class: "bar-text" }, text),
  );
}
