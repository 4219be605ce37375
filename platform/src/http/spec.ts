import { createRequire } from 'node:module';

// The bundled spec (spec/openapi.json, written by `pnpm generate`), loaded once at boot.
// Only the parts the platform reads are typed here.

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
}

export interface OperationObject {
  operationId: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, MediaType> } | { $ref: string };
  responses: Record<string, { content?: Record<string, MediaType> } | { $ref: string }>;
}

export interface ErrorCodeEntry {
  status: number;
  title: string;
  description: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, OperationObject | Parameter[]> & { parameters?: Parameter[] }>;
  components: Record<string, Record<string, unknown>>;
  'x-aerostack-error-codes': Record<string, ErrorCodeEntry>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One operation of the spec, with its path-level parameters merged and `$ref`s resolved. */
export interface SpecOperation {
  operationId: string;
  method: HttpMethod;
  /** The OpenAPI path template, e.g. `/v1/cache/{key}`. */
  path: string;
  parameters: Parameter[];
  requestBody: { required: boolean; schema: JsonSchema } | null;
  /** status (or `default`) → JSON schema of the body, null for a body-less response */
  responses: Record<string, JsonSchema | null>;
  /** security scheme names any one of which satisfies the operation; empty = public */
  security: string[];
}

export const spec: OpenApiDocument = createRequire(import.meta.url)('@aerostack/spec/openapi.json');

/** Resolves a local `#/…` reference within the spec. */
function resolveRef<T>(value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const target = value.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], spec);
    return resolveRef(target as T | { $ref: string });
  }
  return value as T;
}

function jsonSchemaOf(content: Record<string, MediaType> | undefined): JsonSchema | null {
  if (!content) return null;
  const media = content['application/json'] ?? content['application/problem+json'];
  return media ? media.schema : null;
}

function operationsOf(document: OpenApiDocument): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = (item.parameters ?? []).map((p) => resolveRef<Parameter>(p));
    for (const method of HTTP_METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []).map((p) => resolveRef<Parameter>(p));
      const body = op.requestBody ? resolveRef(op.requestBody) : null;
      const bodySchema = body ? jsonSchemaOf(body.content) : null;
      const security = op.security ?? document.security ?? [];
      out.push({
        operationId: op.operationId,
        method,
        path,
        parameters: [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own],
        requestBody: body && bodySchema ? { required: body.required === true, schema: bodySchema } : null,
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([status, r]) => [status, jsonSchemaOf(resolveRef(r).content)]),
        ),
        security: security.flatMap((requirement) => Object.keys(requirement)),
      });
    }
  }
  return out;
}

/** Every operation in the spec, in document order. */
export const operations: readonly SpecOperation[] = operationsOf(spec);
