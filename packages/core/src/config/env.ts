import type { z } from "zod";

/**
 * Parses the `FILEGATE_*` variables of an environment with `schema` (empty values count as
 * unset); throws one error naming every bad value.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith("FILEGATE_") && value !== ""),
  );
  const result = schema.safeParse(defined);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => issue.message).join("; ");
    throw new Error(`Invalid Filegate configuration: ${problems}`);
  }
  return result.data;
}
