import * as z from "zod/mini";
import { type Attestation, PURPOSE } from "./attestation";
import { type Keyring, unseal } from "./keyring";

// Apart from sealing, so that the handlers that only issue URLs do not carry the schema. Its
// types are the ones the subscriber's other schemas use (an array of two numbers, not a tuple,
// which would add about 1.5 KB of zod to its cold start).
const PayloadSchema = z.object({
  a: z.nullable(z.string()),
  g: z.string().check(z.minLength(1)),
  i: z.optional(z.string()),
  s: z.optional(z.number()),
  t: z.optional(z.string()),
  h: z.optional(z.string()),
  o: z.optional(z.literal(1)),
  r: z.optional(z.array(z.number()).check(z.length(2))),
  iat: z.number(),
  exp: z.number(),
});

const iso = (s: number) => new Date(s * 1000).toISOString();
const replacesOf = ([bytes, objects]: [number, number]) => ({ bytes, objects });

/**
 * The attestation an object carries, verified in memory: `undefined` when it is missing,
 * altered, sealed for another object or under a key the keyring does not hold.
 */
export function openAttestation(
  keyring: Keyring,
  objectKey: string,
  value: string | undefined,
): Attestation | undefined {
  if (!value) return undefined;
  const payload = unseal(keyring, PURPOSE, objectKey, value);
  if (payload === undefined) return undefined;
  let p: z.infer<typeof PayloadSchema>;
  try {
    p = PayloadSchema.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    return undefined;
  }
  return {
    actor: p.a,
    grantId: p.g,
    ...(p.i !== undefined ? { intentId: p.i } : {}),
    ...(p.s !== undefined ? { size: p.s } : {}),
    ...(p.t !== undefined ? { contentType: p.t } : {}),
    ...(p.h !== undefined ? { sha256: p.h } : {}),
    ...(p.o ? { createOnly: true } : {}),
    ...(p.r ? { replaces: replacesOf(p.r as [number, number]) } : {}),
    issuedAt: iso(p.iat),
    expiresAt: iso(p.exp),
  };
}
