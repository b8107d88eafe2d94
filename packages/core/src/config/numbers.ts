import * as z from "zod/mini";

/**
 * A whole number from an environment variable, with messages that name the variable. The
 * value stays the string it is (read it with `Number` once it passed): string checks are all
 * this needs of zod, where a coercion would add its number schemas to every bundle.
 */
export function wholeNumber(name: string, min: number, max: number, unit = "") {
  // Each check stops the others: one message per bad value, the first that applies.
  const fails = (error: string) => ({ error, abort: true });
  return z.string().check(
    z.refine(
      (value: string) => value.trim() !== "" && Number.isFinite(Number(value)),
      fails(`${name} must be ${unit ? `a number of ${unit}` : "a number"}`),
    ),
    z.refine(
      (value: string) => Number.isInteger(Number(value)),
      fails(`${name} must be a whole number${unit ? ` of ${unit}` : ""}`),
    ),
    z.refine((value: string) => Number(value) >= min, fails(`${name} must be at least ${min}`)),
    z.refine((value: string) => Number(value) <= max, fails(`${name} must be at most ${max}`)),
  );
}
