import * as z from "zod/mini";

/**
 * A whole number from an environment variable, with messages that name the variable. The
 * value stays the string it is (read it with `Number` once it passed): string checks are all
 * this needs of zod, where a coercion would add its number schemas to every bundle. One
 * check says what is wrong, so each function's cold start builds one check per number.
 */
export function wholeNumber(name: string, min: number, max: number, unit = "") {
  const problem = (value: string): string | undefined => {
    const number = Number(value);
    if (value.trim() === "" || !Number.isFinite(number)) {
      return `${name} must be ${unit ? `a number of ${unit}` : "a number"}`;
    }
    if (!Number.isInteger(number))
      return `${name} must be a whole number${unit ? ` of ${unit}` : ""}`;
    if (number < min) return `${name} must be at least ${min}`;
    if (number > max) return `${name} must be at most ${max}`;
    return undefined;
  };
  return z.string().check(
    z.refine((value: string) => problem(value) === undefined, {
      error: (issue) => problem(String(issue.input)),
      // Checks added after this one (a narrower bound) only run on a number.
      abort: true,
    }),
  );
}
