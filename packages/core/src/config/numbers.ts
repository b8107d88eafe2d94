import * as z from "zod/mini";

/** A whole number from an environment variable, with messages that name the variable. */
export function wholeNumber(name: string, min: number, max: number, unit = "") {
  const what = unit ? `a number of ${unit}` : "a number";
  return z.coerce
    .number({ error: `${name} must be ${what}` })
    .check(
      z.int(`${name} must be a whole number${unit ? ` of ${unit}` : ""}`),
      z.minimum(min, `${name} must be at least ${min}`),
      z.maximum(max, `${name} must be at most ${max}`),
    );
}
