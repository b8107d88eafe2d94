import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { buildDocument, openApiPath } from "../../packages/functions/src/openapi/document";
import { matchPath, ROUTES } from "../../packages/functions/src/routes";

/**
 * Checks API answers against the OpenAPI document: the status must be one the matched
 * operation declares, a JSON body must match that answer's schema, and declared headers must
 * be there. Tests get their answers through {@link checkedFetch}, so an answer the document
 * does not describe fails the test that received it.
 */
const DOCUMENT = buildDocument() as {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
};
const ID = "https://filegate.invalid/openapi.json";
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...DOCUMENT, $id: ID });
const compiled = new Map<string, ValidateFunction>();

interface ResponseObject {
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, { required?: boolean }>;
}

const pointer = (...parts: string[]) =>
  parts.map((part) => `/${part.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");

function validatorFor(path: string): ValidateFunction {
  let validate = compiled.get(path);
  if (!validate) {
    validate = ajv.compile({ $ref: `${ID}#${path}` });
    compiled.set(path, validate);
  }
  return validate;
}

/** The document's path and method for a request, or `undefined` when no route takes it. */
export function operationFor(method: string, pathname: string) {
  const route = ROUTES.find(
    (r) => r.method === method && matchPath(r.path, pathname) !== undefined,
  );
  if (!route) return undefined;
  const path = openApiPath(route.path);
  const operation = DOCUMENT.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`the document has no ${method} ${path}`);
  return { path, method: method.toLowerCase(), operation };
}

/** Throws, saying what differs, when `response` is not an answer the document describes. */
export async function checkResponse(method: string, url: URL, response: Response): Promise<void> {
  const what = `${method} ${url.pathname} → ${response.status}`;
  const found = operationFor(method, url.pathname);
  let schemaPath: string;
  let declared: ResponseObject | undefined;
  if (found) {
    declared = found.operation.responses[String(response.status)];
    if (!declared) {
      throw new Error(`${what}: the document declares no ${response.status} for this operation`);
    }
    schemaPath = pointer("paths", found.path, found.method, "responses", String(response.status));
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      if (header.required && !response.headers.has(name)) {
        throw new Error(`${what}: the ${name} header is missing`);
      }
    }
    if (!declared.content) return;
    schemaPath += pointer("content", "application/json", "schema");
  } else {
    // No route: the catch-all's 404 or 405, in the error body.
    if (response.status !== 404 && response.status !== 405) {
      throw new Error(`${what}: no route takes this request`);
    }
    schemaPath = pointer("components", "schemas", "ErrorBody");
  }
  if (method === "HEAD") return;
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: the body is not JSON: ${text.slice(0, 200)}`);
  }
  const validate = validatorFor(schemaPath);
  if (!validate(body)) {
    throw new Error(
      `${what}: the body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
    );
  }
}

/**
 * A `fetch` that checks every answer from the API at `apiUrl` against the document (other
 * requests, to S3, pass through unchecked). Redirects it followed are not checked.
 */
export function checkedFetch(apiUrl: string): typeof fetch {
  return async (input, init) => {
    const href = input instanceof Request ? input.url : String(input);
    const method = (
      init?.method ?? (input instanceof Request ? input.method : "GET")
    ).toUpperCase();
    const response = await fetch(input, init);
    if (!href.startsWith(apiUrl) || response.redirected) return response;
    await checkResponse(method, new URL(href), response);
    return response;
  };
}
