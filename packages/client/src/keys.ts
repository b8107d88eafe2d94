import { BadRequestError } from "./errors";

/**
 * The URL path of a file key: each segment percent-encoded with `encodeURIComponent`, the
 * `/` between segments kept, as the API expects.
 *
 * @example keyPath("photos/2024/my cat+dog.jpg") // "photos/2024/my%20cat%2Bdog.jpg"
 */
export function keyPath(key: string): string {
  mustBeSendableKey(key);
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/**
 * Refuses, before anything is sent, a key that `fetch` would silently rewrite: URL parsing
 * drops `.` and `..` segments (even percent-encoded), so `a/../b` would reach the API as `b`.
 * Every other rule is the API's to enforce (it answers 400 `invalid_key` with a reason).
 */
function mustBeSendableKey(key: string): void {
  const reason =
    key === ""
      ? "it is empty"
      : key.startsWith("/")
        ? "it starts with '/'"
        : key.split("/").some((segment) => segment === "")
          ? "it has an empty segment"
          : key.split("/").some((segment) => segment === "." || segment === "..")
            ? "it has a '.' or '..' segment"
            : undefined;
  if (reason) {
    throw new BadRequestError({
      status: 400,
      code: "invalid_key",
      message: `Invalid key ${JSON.stringify(key)}: ${reason}`,
      source: "client",
    });
  }
}
