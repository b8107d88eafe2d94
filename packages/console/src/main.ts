import "./style.css";
import { auditView } from "./audit";
import { fill, h, messageOf } from "./dom";
import { filesView } from "./files";
import { loadConfig, openSession, type Session, savedToken, saveToken } from "./session";
import { signInView } from "./signin";
import { usageView } from "./usage";
import { webhooksView } from "./webhooks";

const root = document.getElementById("app") as HTMLElement;

/** The signed-in console: who, usage, files (with uploads), audit and webhooks. */
function showConsole(session: Session): void {
  saveToken(session.token);
  const status = h("p", { id: "status", role: "status", class: "status" });
  const announce = (message: string) => {
    status.textContent = message;
  };
  const usage = usageView(session);
  const heading = h("h1", { tabindex: -1 }, "Filegate");
  fill(
    root,
    h(
      "header",
      {},
      heading,
      h("p", { class: "who" }, `Tenant ${session.tenant} · ${session.actor}`),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            saveToken(undefined);
            void start();
          },
        },
        "Sign out",
      ),
    ),
    h(
      "main",
      {},
      status,
      usage.element,
      filesView(session, { announce, changed: () => void usage.refresh() }),
      auditView(session),
      webhooksView(session),
    ),
  );
  heading.focus();
}

async function start(): Promise<void> {
  try {
    const config = await loadConfig();
    const token = savedToken();
    if (token) {
      showConsole(openSession(config, token));
      return;
    }
    fill(root, h("main", { class: "narrow" }, signInView(config, showConsole)));
    document.getElementById("token")?.focus();
  } catch (error) {
    fill(
      root,
      h("p", { class: "error", role: "alert" }, `The console cannot start: ${messageOf(error)}`),
    );
  }
}

void start();
