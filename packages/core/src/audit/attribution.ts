import type { AuditRecord } from "./records";

/** Who an event is attributed to: one grant, several candidates, or none. */
export type EventAttribution =
  | { attribution: "recent-grant"; grant: AuditRecord }
  | { attribution: "ambiguous"; candidates: string[] }
  | { attribution: "none" };

/** An IP as S3 and API Gateway write it, IPv4-mapped IPv6 unwrapped. */
function plainIp(ip: string): string {
  return ip.trim().replace(/^::ffff:/i, "");
}

/**
 * Attributes an event that carries no attestation (a removal, or an upload replaced before it
 * could be read) to a grant only when the evidence singles one out. `grants` are those whose
 * URLs were valid at the event's time (`AuditJournal.grantsAt`); when S3 reports the
 * requester's IP, only grants issued to that IP fit. Exactly one fits: it is named. Several:
 * `ambiguous`, with their ids, and nobody is named. None: `none`.
 *
 * @example attributeEvent([aliceGrant, bobGrant], "203.0.113.7") // alice's, if only hers was issued to that IP
 */
export function attributeEvent(
  grants: readonly AuditRecord[],
  sourceIp: string | undefined,
): EventAttribution {
  const ip = sourceIp ? plainIp(sourceIp) : "";
  const fitting = ip ? grants.filter((grant) => plainIp(grant.sourceIp ?? "") === ip) : grants;
  const [only, ...others] = fitting;
  if (!only) return { attribution: "none" };
  if (others.length === 0) return { attribution: "recent-grant", grant: only };
  return { attribution: "ambiguous", candidates: fitting.map((grant) => grant.id) };
}
