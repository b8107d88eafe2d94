/** The shape of one OpenAPI operation as `./operations.ts` declares it, with the schemas it names. */
import type * as z from "zod/mini";
import type { NAMED_SCHEMAS, REQUEST_SCHEMAS } from "./schemas";

export type SchemaName = keyof typeof NAMED_SCHEMAS | keyof typeof REQUEST_SCHEMAS;

export interface Parameter {
  name: string;
  in: "query" | "header";
  description: string;
  required?: boolean;
  schema?: z.ZodMiniType;
}

export interface Answer {
  description: string;
  /** The JSON body's schema; none for an empty body. */
  schema?: SchemaName;
  /** Response headers the answer always carries, with what they say. */
  headers?: Record<string, string>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Callable without a token (the route's `auth: "none"`). */
  public?: boolean;
  /** Descriptions of the path's parameters (each a string, required). */
  path?: Record<string, string>;
  parameters?: Parameter[];
  body?: SchemaName;
  responses: Record<number, Answer>;
  /** Statuses answered with the error body (`ErrorBody`), besides those every route has. */
  errors: number[];
}
