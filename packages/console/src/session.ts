import { Filegate } from "@filegate/client";

/** What the console is told where it is served (`config.json` beside it). */
export interface ConsoleConfig {
  /** The Filegate API's URL. */
  apiUrl: string;
  /** A token to offer on the sign-in page (the local stack's dev token; never on AWS). */
  devToken?: string;
  /** The claim that names the tenant (default `tenant`). */
  tenantClaim?: string;
}

/** A signed-in console: the API, the token, and who it names. */
export interface Session {
  config: ConsoleConfig;
  token: string;
  client: Filegate;
  tenant: string;
  actor: string;
  /** An API request with the token (for routes the client has no method for). */
  fetchApi(path: string, init?: RequestInit): Promise<Response>;
}

const TOKEN_KEY = "filegate-console:token";

/** Reads `config.json` from beside the page. */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as ConsoleConfig;
  if (!config.apiUrl) throw new Error("config.json names no apiUrl");
  return config;
}

/** A session for `token` (not yet checked against the API). */
export function openSession(config: ConsoleConfig, token: string): Session {
  const apiUrl = config.apiUrl.replace(/\/+$/, "");
  const claims = claimsOf(token);
  return {
    config,
    token,
    client: new Filegate({ baseUrl: apiUrl, token }),
    tenant: String(claims[config.tenantClaim ?? "tenant"] ?? "?"),
    actor: String(claims.sub ?? "?"),
    fetchApi: (path, init = {}) =>
      fetch(`${apiUrl}${path}`, {
        ...init,
        headers: { Accept: "application/json", Authorization: `Bearer ${token}`, ...init.headers },
      }),
  };
}

/** The token kept for this tab (sessionStorage: gone when the tab closes). */
export function savedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The payload of a JWT, unverified: only to show who is signed in (the API verifies). */
function claimsOf(token: string): Record<string, unknown> {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}
