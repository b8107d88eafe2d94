/** What {@link parseEnvironment} needs of a schema (zod classic and zod/mini both fit). */
interface EnvironmentSchema<T> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { message: string }[] } };
}

/**
 * Parses the `FILEGATE_*` variables of an environment with `schema` (empty values count as
 * unset); throws one error naming every bad value.
 */
export function parseEnvironment<T>(
  schema: EnvironmentSchema<T>,
  env: Record<string, string | undefined>,
): T {
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
