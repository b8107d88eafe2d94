import type { ZodMiniType } from "zod/mini";
import { Errors } from "../errors";

/** Parses a JSON request body against a schema; 400 with every problem otherwise. */
export function parseBody<T>(schema: ZodMiniType<T>, body: string | undefined): T {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    throw Errors.badRequest("The request body must be JSON");
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw Errors.badRequest(
      result.error.issues
        .map((issue) =>
          issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
        )
        .join("; "),
    );
  }
  return result.data;
}
