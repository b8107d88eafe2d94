import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { Errors } from "../errors";

/** Which targets an endpoint may have. */
export interface TargetPolicy {
  /**
   * Also `http://` to this machine's loopback (`127.0.0.1`, `[::1]`, `localhost`): only the
   * local stack sets it; on AWS a target is `https` on a public address.
   */
  allowLoopback: boolean;
}

/** Resolves a host name to its addresses (every one of them is checked). */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveHost: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const MAX_URL_LENGTH = 2048;

/** Addresses a webhook may never reach: private, loopback, link-local, unique-local and the like. */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address, if it is one. */
function embeddedIPv4(address: string): string | undefined {
  const match = /^(?:0*:)*(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match) return match[1];
  const hex = /^(?:0*:)*ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** True when a webhook may be sent to `address` (an IP address) under `policy`. */
export function isAllowedAddress(address: string, policy: TargetPolicy): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? embeddedIPv4(address) : address;
  const [ip, type] = v4 ? [v4, "ipv4" as const] : [address, "ipv6" as const];
  if (policy.allowLoopback && LOOPBACK.check(ip, type)) return true;
  return !BLOCKED.check(ip, type);
}

/**
 * Checks a target URL's form: `https` (or, with `allowLoopback`, `http` to a loopback host),
 * no credentials, at most 2,048 characters. Throws a 400 saying what is wrong.
 */
export function mustBeValidTargetUrl(value: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw Errors.invalidWebhookUrl("url must be an absolute URL");
  }
  if (value.length > MAX_URL_LENGTH) throw Errors.invalidWebhookUrl("url is too long");
  if (url.username || url.password) throw Errors.invalidWebhookUrl("url must not hold credentials");
  const loopbackHost = isLoopbackName(url.hostname);
  if (url.protocol === "http:" && policy.allowLoopback && loopbackHost) return url;
  if (url.protocol !== "https:") throw Errors.invalidWebhookUrl("url must be https");
  return url;
}

function isLoopbackName(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "127.0.0.1" || host === "::1";
}

/**
 * The address to connect to for a target URL: its host resolved, every address checked
 * (a host with one private address is refused). Connecting to the returned address, not
 * resolving again, keeps a DNS answer that changes in between (rebinding) from mattering.
 * Throws a 400 naming the refused address.
 */
export async function resolveTarget(
  url: URL,
  policy: TargetPolicy,
  resolve: Resolve = resolveHost,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw Errors.invalidWebhookUrl(`url's host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw Errors.invalidWebhookUrl(`url's host ${host} does not resolve`);
  const refused = addresses.find((address) => !isAllowedAddress(address, policy));
  if (refused) {
    throw Errors.invalidWebhookUrl(`url's host resolves to a private address (${refused})`);
  }
  const address = addresses[0] as string;
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}
