/**
 * The OpenAPI 3.1 document of the API, built from the route table, its operations
 * (`./operations.ts`) and the zod schemas the handlers use, with zod's own JSON Schema output.
 * `npm run openapi` writes it to `docs/openapi.json`; `GET /openapi.json` serves it.
 */
import { ERROR_STATUS } from "@filegate/core/errors";
import * as z from "zod/mini";
import { ROUTES } from "../routes";
import type { Answer, Operation } from "./operation";
import { OPERATIONS } from "./operations";
import { NAMED_SCHEMAS, REQUEST_SCHEMAS } from "./schemas";

type Json = Record<string, unknown>;

/** The answers every route that needs a token may give, besides its own. */
const COMMON_ERRORS: Record<number, Json> = {
  401: {
    description: "No valid bearer token (API Gateway's own answer, `WWW-Authenticate: Bearer`)",
    content: json({ anyOf: [ref("GatewayError"), ref("ErrorBody")] }),
  },
  403: {
    description: "No usable tenant or subject, or a missing scope",
    content: json(ref("ErrorBody")),
  },
  500: {
    description: "Something unexpected: nothing is said (the logs have it under the request id)",
    content: json({ anyOf: [ref("ErrorBody"), ref("GatewayError")] }),
  },
  503: {
    description: "Throttled, or a count kept changing: retry",
    content: json(ref("ErrorBody")),
  },
};

/** The document. */
export function buildDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const operation = OPERATIONS[`${route.method} ${route.path}`];
    if (!operation) continue;
    const path = openApiPath(route.path);
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: operationObject(route.path, operation),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Filegate",
      version: "1",
      description:
        "Multi-tenant file access through presigned-URL redirects. Bytes never pass through the API: it answers with a redirect (or, with `Accept: application/json`, the presigned request itself) and the client talks to S3. Errors are `{error: {code, message, details?}, requestId}`; the codes are listed under `ErrorBody`.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    security: [{ bearer: [] }],
    tags: ["files", "uploads", "audit", "tenants", "meta"].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A JWT from the deployment's issuer; the tenant comes from a claim (default `tenant`), the actor from `sub`, extra rights from `scope`.",
        },
      },
      schemas: {
        ...mapValues(NAMED_SCHEMAS, (schema) => jsonSchema(schema, "output")),
        ...mapValues(REQUEST_SCHEMAS, (schema) => jsonSchema(schema, "input")),
      },
    },
  };
}

/** API Gateway's greedy `{key+}` is a plain `{key}` in OpenAPI (its value may hold `/`). */
export function openApiPath(template: string): string {
  return template.replace(/\{(\w+)\+\}/g, "{$1}");
}

function operationObject(template: string, operation: Operation): Json {
  const pathParams = [...template.matchAll(/\{(\w+)\+?\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    description: operation.path?.[name as string] ?? name,
    schema: { type: "string" },
  }));
  const parameters = [
    ...pathParams,
    ...(operation.parameters ?? []).map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required ?? false,
      description: p.description,
      schema: p.schema ? jsonSchema(p.schema, "input") : { type: "string" },
    })),
  ];
  const errors = Object.fromEntries(
    operation.errors.map((status) => [status, errorAnswer(status)]),
  );
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: operation.tags,
    ...(operation.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: json(ref(operation.body)) } }
      : {}),
    responses: {
      ...mapValues(operation.responses, answerObject),
      ...errors,
      ...(operation.public ? {} : COMMON_ERRORS),
    },
  };
}

function answerObject(answer: Answer): Json {
  return {
    description: answer.description,
    ...(answer.headers
      ? {
          headers: mapValues(answer.headers, (description) => ({
            description,
            required: true,
            schema: { type: "string" },
          })),
        }
      : {}),
    ...(answer.schema ? { content: json(ref(answer.schema)) } : {}),
  };
}

function errorAnswer(status: number): Json {
  const codes = Object.entries(ERROR_STATUS)
    .filter(([, s]) => s === status)
    .map(([code]) => `\`${code}\``);
  return {
    description: codes.length ? `An error: ${codes.join(", ")}` : "An error",
    content: json(ref("ErrorBody")),
  };
}

function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
    // `format: date-time` says it; zod's long regex beside it only weighs the document down.
    override: (context) => {
      if (context.jsonSchema.format === "date-time") delete context.jsonSchema.pattern;
    },
  }) as Json;
  return rest;
}

function json(schema: Json): Json {
  return { "application/json": { schema } };
}

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

function mapValues<T, U>(
  record: Record<string | number, T>,
  f: (value: T) => U,
): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}
