import { UnauthorizedError } from "@filegate/client";
import { h, messageOf } from "./dom";
import { type ConsoleConfig, openSession, type Session } from "./session";

/**
 * The sign-in form: a bearer token, checked with one listing request before it is kept. The
 * local stack's dev token is offered when `config.json` carries one.
 */
export function signInView(config: ConsoleConfig, done: (session: Session) => void): HTMLElement {
  const field = h("textarea", {
    id: "token",
    name: "token",
    rows: 4,
    required: true,
    autocomplete: "off",
    spellcheck: false,
    "aria-describedby": "token-help",
  });
  const error = h("p", { class: "error", role: "alert" });
  const submit = async (token: string) => {
    error.textContent = "";
    const session = openSession(config, token.trim());
    try {
      await session.client.list({ pageSize: 1 }).pages().next();
      done(session);
    } catch (failure) {
      error.textContent =
        failure instanceof UnauthorizedError
          ? `The API refused this token: ${failure.message}`
          : `Could not reach the API at ${config.apiUrl}: ${messageOf(failure)}`;
      field.focus();
    }
  };
  const form = h(
    "form",
    {
      class: "signin",
      "aria-labelledby": "signin-title",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void submit(field.value);
      },
    },
    h("h1", { id: "signin-title" }, "Sign in to Filegate"),
    h("label", { for: "token" }, "Bearer token"),
    field,
    h("p", { id: "token-help", class: "help" }, `A JWT the API at ${config.apiUrl} accepts.`),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
    config.devToken
      ? h(
          "p",
          {},
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => void submit(config.devToken ?? ""),
            },
            "Use the local dev token",
          ),
          " (tenant dev, from the local stack)",
        )
      : null,
    error,
  );
  return form;
}
