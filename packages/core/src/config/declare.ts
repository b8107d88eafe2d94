// zod's tree-shakable build: a handler bundle carries only the schemas it uses (see
// docs/performance.md); the classic `zod` import would add about 80 KB to each one.
import * as z from "zod/mini";
import { parseEnvironment } from "./env";

/**
 * A setting of the functions, declared once, under the name the functions know it by, with a
 * TSDoc line saying what it sets (docs/deployment.md's table has that line word for word).
 * The schema that checks an environment (in the functions, the local stack and at deploy
 * time), the values the functions read and each stage's SST secret derive from it.
 */
export interface Setting<T, V extends `FILEGATE_${string}` = `FILEGATE_${string}`> {
  /** The environment variable it is read from. */
  variable: V;
  /** The value when none is set (or it is empty), as the variable would hold it. */
  default: string;
  /**
   * The check of a value, with messages that name `variable`. It checks the string as it is:
   * checks on strings are all every function's bundle needs of zod, where coercions, unions
   * and transforms would add about 8 KB to each.
   */
  check(variable: string): z.ZodMiniString<string>;
  /** What the functions make of a value that passed its check. */
  read(value: string): T;
}

/**
 * Declares a setting: read from `variable`, `fallback` when unset, checked by `check`, made
 * into what the functions use by `read`.
 *
 * @example setting("FILEGATE_TOMBSTONE_DAYS", "30", upTo(3650), days)
 */
export function setting<T, V extends `FILEGATE_${string}`>(
  variable: V,
  fallback: string,
  check: (variable: string) => z.ZodMiniString<string>,
  read: (value: string) => T,
): Setting<T, V> {
  return { variable, default: fallback, check, read };
}

/**
 * The SST secret a stage sets a setting with (`npx sst secret set <secret> <value>`): its
 * variable without `FILEGATE_`, in PascalCase. A stage that sets none gets the default.
 *
 * @example secretOf("FILEGATE_PART_SIZE") // "PartSize"
 */
export function secretOf(variable: string): string {
  return variable
    .replace(/^FILEGATE_/, "")
    .toLowerCase()
    .replace(/(?:^|_)([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Settings by the name the functions know them by. */
export type Declarations = Record<string, Setting<unknown>>;

/** The environment variables of `D`. */
export type VariableOf<D extends Declarations> = D[keyof D]["variable"];

/** The schema of an environment holding `D`'s variables: each checked, or its default. */
export type SchemaOf<D extends Declarations> = z.ZodMiniObject<{
  [V in VariableOf<D>]: z.ZodMiniDefault<z.ZodMiniString<string>>;
}>;

/** What the functions read out of an environment holding `D`'s variables. */
export type ValuesOf<D extends Declarations> = {
  [K in keyof D]: ReturnType<D[K]["read"]>;
};

/** The schema that checks the variables of `declarations`, in their order. */
export function schemaOf<D extends Declarations>(declarations: D): SchemaOf<D> {
  const shape = Object.fromEntries(
    Object.values(declarations).map((setting) => [
      setting.variable,
      z._default(setting.check(setting.variable), setting.default),
    ]),
  );
  return z.object(shape) as unknown as SchemaOf<D>;
}

/**
 * Reads the variables of `declarations` out of an environment (empty values count as unset);
 * throws one error naming every bad value.
 */
export function readerOf<D extends Declarations>(
  declarations: D,
  schema: SchemaOf<D> = schemaOf(declarations),
): (env: Record<string, string | undefined>) => ValuesOf<D> {
  return (env) => {
    const parsed = parseEnvironment(schema, env) as Record<string, string>;
    return Object.fromEntries(
      Object.entries(declarations).map(([name, setting]) => [
        name,
        setting.read(parsed[setting.variable] as string),
      ]),
    ) as ValuesOf<D>;
  };
}
